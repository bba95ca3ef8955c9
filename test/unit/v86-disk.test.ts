import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import type { Disk } from '../../src/protocol/types.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import { QedQuotaError } from '../../src/qed/errors.ts';
import { localDisk } from '../../src/client/local-disk.ts';
import { type V86Disk, type V86DiskFailure, toV86Disk } from '../../src/v86/v86-disk.ts';

const MIB = 1024 * 1024;

/** A 4 MiB disk on the real engine over memory. */
function engineDisk(): Disk {
  return localDisk(QedImage.create(new MemoryFile(), { size: 4 * MIB, clusterSize: 4096 }), { name: 'unit' });
}

/** Bytes `seed, seed+1, ...` (mod 256). */
function bytes(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, index) => (seed + index) & 0xff);
}

/** `get` as a promise; rejects if the callback has not run once the adapter settled. */
async function read(adapter: V86Disk, start: number, length: number): Promise<Uint8Array> {
  let result: Uint8Array | undefined;
  adapter.get(start, length, (data) => (result = data));
  await adapter.settled();
  if (!result) throw new Error('get did not call back');
  return result;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('toV86Disk', () => {
  it('reports the disk size as byteLength and calls onload after load()', async () => {
    const adapter = await toV86Disk(engineDisk(), { idleFlushMs: 0 });
    const onload = vi.fn();
    adapter.onload = onload;
    adapter.load();
    expect(onload).not.toHaveBeenCalled();
    await Promise.resolve();
    expect(onload).toHaveBeenCalledTimes(1);
    expect(adapter.byteLength).toBe(4 * MIB);
  });

  it('answers get_from_cache(0, 512) synchronously with sector 0 as it was on the disk', async () => {
    const disk = engineDisk();
    const sector = bytes(512, 7);
    await disk.write(0, sector.slice());
    const adapter = await toV86Disk(disk, { idleFlushMs: 0 });
    expect(adapter.get_from_cache(0, 512)).toEqual(sector);
    expect(adapter.get_from_cache(512, 512)).toBeUndefined();
    const viaCache = await new Promise<Uint8Array>((resolve) => adapter.get_and_cache(0, 512, resolve));
    expect(viaCache).toEqual(sector);
  });

  it('keeps the sector 0 cache current when the guest rewrites it, once each write is on the disk', async () => {
    const adapter = await toV86Disk(engineDisk(), { idleFlushMs: 0 });
    const boot = bytes(1024, 99);
    adapter.set(0, boot, () => undefined);
    await adapter.settled();
    expect(adapter.get_from_cache(0, 512)).toEqual(boot.subarray(0, 512));
    adapter.set(256, bytes(512, 1), () => undefined);
    await adapter.settled();
    expect(adapter.get_from_cache(0, 512)?.subarray(0, 256)).toEqual(boot.subarray(0, 256));
    expect(adapter.get_from_cache(0, 512)?.subarray(256)).toEqual(bytes(256, 1));
  });

  it('copies the data of set before returning, so the caller may reuse its buffer at once', async () => {
    const inner = engineDisk();
    // Like the worker, this disk takes the bytes later than the call.
    const disk: Disk = { ...inner, write: (offset, data) => Promise.resolve().then(() => inner.write(offset, data)) };
    const adapter = await toV86Disk(disk, { idleFlushMs: 0 });
    const buffer = bytes(512, 3);
    adapter.set(8192, buffer, () => undefined);
    buffer.fill(0xee);
    await adapter.settled();
    expect(await disk.read(8192, 512)).toEqual(bytes(512, 3));
  });

  it('issues the write before set returns, so a read issued next sees it', async () => {
    const inner = engineDisk();
    const calls: string[] = [];
    const disk: Disk = {
      ...inner,
      write: (offset, data) => (calls.push(`write ${offset}`), inner.write(offset, data)),
      read: (offset, length) => (calls.push(`read ${offset}`), inner.read(offset, length)),
    };
    const adapter = await toV86Disk(disk, { idleFlushMs: 0 });
    calls.length = 0;
    adapter.set(65536, bytes(2048, 5), () => undefined);
    expect(calls).toEqual(['write 65536']);
    expect(await read(adapter, 65536, 4096)).toEqual(Uint8Array.from([...bytes(2048, 5), ...new Uint8Array(2048)]));
  });

  it('calls back a write only once the disk has taken it', async () => {
    let release: () => void = () => undefined;
    const inner = engineDisk();
    const disk: Disk = { ...inner, write: (offset, data) => new Promise((resolve) => (release = () => resolve(inner.write(offset, data)))) };
    const adapter = await toV86Disk(disk, { idleFlushMs: 0 });
    const done = vi.fn();
    adapter.set(0, bytes(512, 1), done);
    await Promise.resolve();
    expect(done).not.toHaveBeenCalled();
    expect(adapter.stats().inFlight).toBe(1);
    release();
    await adapter.settled();
    expect(done).toHaveBeenCalledTimes(1);
  });

  it('reports a failed write to onError and never calls the guest back', async () => {
    const inner = engineDisk();
    const disk: Disk = { ...inner, write: () => Promise.reject(new QedQuotaError('the storage quota is used up')) };
    const failures: V86DiskFailure[] = [];
    const adapter = await toV86Disk(disk, { idleFlushMs: 0, onError: (failure) => failures.push(failure) });
    const done = vi.fn();
    adapter.set(4096, bytes(1024, 2), done);
    await adapter.settled();
    expect(done).not.toHaveBeenCalled();
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ op: 'write', start: 4096, length: 1024 });
    expect((failures[0]?.error as Error).name).toBe('QedQuotaError');
    expect(adapter.stats()).toMatchObject({ writes: 0, errors: 1, inFlight: 0 });
  });

  it('keeps the sector 0 cache as the disk has it when a write to sector 0 fails', async () => {
    const inner = engineDisk();
    const before = bytes(512, 7);
    await inner.write(0, before);
    const disk: Disk = { ...inner, write: () => Promise.reject(new QedQuotaError('the storage quota is used up')) };
    const adapter = await toV86Disk(disk, { idleFlushMs: 0, onError: () => undefined });
    adapter.set(0, bytes(512, 99), () => undefined);
    await adapter.settled();
    expect(adapter.get_from_cache(0, 512)).toEqual(before);
    expect(await inner.read(0, 512)).toEqual(before);
  });

  it('does not call back a read whose signal was aborted by a controller reset', async () => {
    const adapter = await toV86Disk(engineDisk(), { idleFlushMs: 0 });
    const controller = new AbortController();
    const callback = vi.fn();
    adapter.get(0, 512, callback, { signal: controller.signal });
    controller.abort();
    await adapter.settled();
    expect(callback).not.toHaveBeenCalled();
  });

  it('counts guest reads, writes and bytes', async () => {
    const accesses: string[] = [];
    const adapter = await toV86Disk(engineDisk(), { idleFlushMs: 0, onAccess: (op, start, length) => accesses.push(`${op} ${start} ${length}`) });
    adapter.set(0, bytes(1024, 1), () => undefined);
    adapter.set(1 * MIB, bytes(512, 1), () => undefined);
    await read(adapter, 0, 131072);
    expect(adapter.stats()).toMatchObject({ reads: 1, bytesRead: 131072, writes: 2, bytesWritten: 1536, errors: 0, inFlight: 0 });
    expect(accesses).toEqual(['write 0 1024', `write ${MIB} 512`, 'read 0 131072']);
  });

  it('flushes the disk once the guest has been quiet for idleFlushMs', async () => {
    vi.useFakeTimers();
    const inner = engineDisk();
    const flush = vi.fn(() => inner.flush());
    const adapter = await toV86Disk({ ...inner, flush }, { idleFlushMs: 500 });
    adapter.set(0, bytes(512, 1), () => undefined);
    await adapter.settled();
    await vi.advanceTimersByTimeAsync(400);
    adapter.set(512, bytes(512, 2), () => undefined);
    await adapter.settled();
    await vi.advanceTimersByTimeAsync(400);
    expect(flush).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(200);
    expect(flush).toHaveBeenCalledTimes(1);
    expect(adapter.stats().flushes).toBe(1);
  });

  it('holds the idle flush back while the guest keeps reading, and flushes once it pauses', async () => {
    vi.useFakeTimers();
    const inner = engineDisk();
    const flush = vi.fn(() => inner.flush());
    const adapter = await toV86Disk({ ...inner, flush }, { idleFlushMs: 500, maxFlushDelayMs: 5000 });
    adapter.set(0, bytes(512, 1), () => undefined);
    await adapter.settled();
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(300);
      await read(adapter, 4096, 512);
    }
    expect(flush).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(600);
    expect(flush).toHaveBeenCalledTimes(1);
  });

  it('flushes maxFlushDelayMs after a write even when the guest never pauses', async () => {
    vi.useFakeTimers();
    const inner = engineDisk();
    const flush = vi.fn(() => inner.flush());
    const adapter = await toV86Disk({ ...inner, flush }, { idleFlushMs: 500, maxFlushDelayMs: 2000 });
    adapter.set(0, bytes(512, 1), () => undefined);
    await adapter.settled();
    const readEvery300Ms = async (untilMs: number): Promise<void> => {
      while (Date.now() < untilMs) {
        await vi.advanceTimersByTimeAsync(300);
        await read(adapter, 4096, 512);
      }
    };
    const start = Date.now();
    await readEvery300Ms(start + 1800);
    expect(flush).not.toHaveBeenCalled();
    await readEvery300Ms(start + 2400);
    expect(flush).toHaveBeenCalledTimes(1);
    expect(await read(adapter, 0, 512)).toEqual(bytes(512, 1));
  });

  it('never flushes on its own after detach', async () => {
    vi.useFakeTimers();
    const inner = engineDisk();
    const flush = vi.fn(() => inner.flush());
    const adapter = await toV86Disk({ ...inner, flush }, { idleFlushMs: 500 });
    adapter.set(0, bytes(512, 1), () => undefined);
    await adapter.settled();
    adapter.detach();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(flush).not.toHaveBeenCalled();
    await adapter.flush();
    expect(flush).toHaveBeenCalledTimes(1);
  });

  it('rejects a disk whose size is not a multiple of 512 bytes', async () => {
    await expect(toV86Disk({ ...engineDisk(), size: 1000 })).rejects.toMatchObject({ name: 'QedArgumentError' });
  });
});
