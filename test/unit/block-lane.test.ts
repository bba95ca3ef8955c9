/**
 * The block lane over a real `MessageChannel`: the page's end (`BlockLane`, `WorkerDisk`, the
 * connection) on one port, the worker's end (`serveBlockLane` beside a Comlink API) on the other,
 * serving a QED disk on the real engine in memory.
 */
import * as Comlink from 'comlink';
import { afterAll, describe, expect, it } from 'vitest';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { BlockLane } from '../../src/client/block-lane.ts';
import { callWorker, configureDiskWorker } from '../../src/client/worker-connection.ts';
import { WorkerDisk } from '../../src/client/worker-disk.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import { QedArgumentError, QedClosedError, QedIoError, QedRangeError } from '../../src/qed/errors.ts';
import type { Disk } from '../../src/protocol/types.ts';
import { localDisk } from '../../src/client/local-disk.ts';
import { serveBlockLane } from '../../worker/block-lane.ts';

const DISK_ID = 7;

/** What the worker end saw, in order. */
const seen: string[] = [];

/** The worker end on `port`: disk `DISK_ID` on the engine, and a Comlink API that notes its calls. */
function serveWorkerEnd(port: MessagePort): Disk {
  const disk = localDisk(QedImage.create(new MemoryFile(), { size: 1024 * 1024 }), { name: 'lane' });
  const noted: Disk = {
    ...disk,
    read: (offset, length) => (seen.push(`read ${offset}`), disk.read(offset, length)),
    write: (offset, data) => (seen.push(`write ${offset}`), disk.write(offset, data)),
  };
  const device = (id: number): Disk => {
    if (id !== DISK_ID) throw new QedClosedError(`disk #${id} is not open`);
    return noted;
  };
  serveBlockLane({ device }, port);
  Comlink.expose({ list: () => (seen.push('comlink list'), []) }, port);
  return disk;
}

const channel = new MessageChannel();
const workerDisk = serveWorkerEnd(channel.port2);
// The page end: qedisk's connection over port1, as if port1 were the disk worker.
configureDiskWorker(() => channel.port1 as unknown as Worker);
const disk = new WorkerDisk({ id: DISK_ID, name: 'lane', size: 1024 * 1024, created: true, base: null });
afterAll(() => {
  channel.port1.close();
  channel.port2.close();
});

describe('the block lane', () => {
  it('delivers block requests made before a Comlink call ahead of it', async () => {
    seen.length = 0;
    const write = disk.write(4096, new Uint8Array(512).fill(1));
    const read = disk.read(4096, 512);
    await callWorker('', (api) => (api as unknown as Comlink.Remote<{ list(): unknown[] }>).list());
    await Promise.all([write, read]);
    expect(seen).toEqual(['write 4096', 'read 4096', 'comlink list']);
  });

  it('copies written data by default, so the caller keeps its buffer', async () => {
    const data = new Uint8Array(1024).fill(0x5a);
    const pending = disk.write(0, data);
    expect(data.byteLength).toBe(1024);
    data.fill(0); // reusing the buffer at once must not change what was written
    await pending;
    expect(await workerDisk.read(0, 1024)).toEqual(new Uint8Array(1024).fill(0x5a));
  });

  it('moves the buffer with { transfer: true }: detached at once, the bytes arrive', async () => {
    const data = new Uint8Array(1024).fill(0x6b);
    const pending = disk.write(8192, data, { transfer: true });
    expect(data.byteLength).toBe(0);
    await pending;
    expect(await workerDisk.read(8192, 1024)).toEqual(new Uint8Array(1024).fill(0x6b));
  });

  it('refuses to transfer a view of part of a buffer', async () => {
    const buffer = new Uint8Array(4096);
    await expect(disk.write(0, buffer.subarray(512, 1024), { transfer: true })).rejects.toThrow(QedArgumentError);
    expect(buffer.byteLength).toBe(4096);
  });

  it('gives the caller a read buffer of its own', async () => {
    await workerDisk.write(12288, new Uint8Array(512).fill(9));
    const first = await disk.read(12288, 512);
    const second = await disk.read(12288, 512);
    expect(first).toEqual(new Uint8Array(512).fill(9));
    expect(first.buffer).not.toBe(second.buffer);
    first.fill(1);
    expect(second).toEqual(new Uint8Array(512).fill(9));
  });

  it('brings the worker’s typed errors back as their classes', async () => {
    await expect(disk.read(1024 * 1024, 512)).rejects.toThrow(QedRangeError);
    const other = new WorkerDisk({ id: 99, name: 'gone', size: 4096, created: false, base: null });
    await expect(other.read(0, 512)).rejects.toThrow(QedClosedError);
  });
});

describe('the worker end of the lane', () => {
  it('transfers read buffers to the page instead of copying them', async () => {
    const pair = new MessageChannel();
    const handedOut: Uint8Array[] = [];
    const source = localDisk(QedImage.create(new MemoryFile(), { size: 65536 }));
    const device = { ...source, read: async (offset: number, length: number) => {
      const bytes = await source.read(offset, length);
      handedOut.push(bytes);
      return bytes;
    } };
    serveBlockLane({ device: () => device }, pair.port2);
    const lane = new BlockLane(pair.port1 as unknown as ConstructorParameters<typeof BlockLane>[0]);
    const received = await lane.read('x', 1, 0, 4096);
    expect(received.byteLength).toBe(4096);
    expect(handedOut[0]?.byteLength).toBe(0); // detached in the worker: moved, not copied
    pair.port1.close();
    pair.port2.close();
  });
});

describe('the page end of the lane', () => {
  it('rejects waiting and later requests once the worker failed', async () => {
    const pair = new MessageChannel(); // nobody serves port2: requests wait
    const lane = new BlockLane(pair.port1 as unknown as ConstructorParameters<typeof BlockLane>[0]);
    const waiting = lane.read('x', 1, 0, 512);
    await new Promise((resolve) => setTimeout(resolve, 20));
    lane.fail(new QedIoError('the disk worker failed'));
    await expect(waiting).rejects.toThrow('the disk worker failed');
    await expect(lane.flush('x', 1)).rejects.toThrow(QedIoError);
    pair.port1.close();
  });

  it('turns a reply of the wrong kind into QedIoError and ignores replies nobody waits for', async () => {
    const pair = new MessageChannel();
    const lane = new BlockLane(pair.port1 as unknown as ConstructorParameters<typeof BlockLane>[0]);
    pair.port2.on('message', (message: { lane: Array<[number, ...unknown[]]> }) => {
      const replies = message.lane.map(([seq]) => [seq, true, 42]);
      pair.port2.postMessage({ laneReplies: [[12345, true, undefined], 'garbage', ...replies] });
    });
    await expect(lane.read('x', 1, 0, 512)).rejects.toThrow(/unexpected value/);
    pair.port1.close();
    pair.port2.close();
  });

  it('answers a malformed request with a typed error instead of dropping it', async () => {
    const pair = new MessageChannel();
    serveBlockLane({ device: () => localDisk(QedImage.create(new MemoryFile(), { size: 65536 })) }, pair.port2);
    const replies = new Promise<unknown>((resolve) => pair.port1.once('message', resolve));
    pair.port1.postMessage({ lane: [[1, 'read', 1, 'zero', 512], [2, 'explode', 1], [3, 'write', 1, 0, 'not bytes']] });
    const answer = (await replies) as { laneReplies: Array<[number, boolean, { name: string }]> };
    const byName = Object.fromEntries(answer.laneReplies.map(([seq, ok, error]) => [seq, ok ? 'ok' : error.name]));
    expect(byName).toEqual({ 1: 'QedRangeError', 2: 'QedArgumentError', 3: 'QedArgumentError' });
    pair.port1.close();
    pair.port2.close();
  });
});
