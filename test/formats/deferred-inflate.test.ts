/**
 * Deferred inflation (`deferred-inflate.ts`): inside `runDeferringInflate`, the qcow2 reader hands
 * compressed clusters to an asynchronous decoder (here Node's own `DecompressionStream`, as the
 * disk worker uses the browser's) instead of decoding them itself, and the retried read gives
 * QEMU's bytes. A stream the native decoder declines is decoded synchronously, with the typed
 * error; zstd images and reads outside a scope never defer.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeFile } from '../../src/backends/node-file.ts';
import { type AsyncRawInflate, InflatePendingError, hasNativeRawInflate, nativeRawInflate, runDeferringInflate } from '../../src/formats/codec/deferred-inflate.ts';
import { ImageCorruptionError } from '../../src/formats/errors.ts';
import { Qcow2Reader } from '../../src/formats/qcow2/reader.ts';
import { firstDifference, qemuImg, qemuRaw, scratch, writeRaw } from './fixtures.ts';

const work = scratch('deferred-inflate');
/** 64 KiB clusters of the test disk, each a different compressible text. */
const CLUSTERS = 24;

beforeAll(() => {
  const text = new TextEncoder();
  const disk = new Uint8Array(CLUSTERS * 65536);
  for (let cluster = 0; cluster < CLUSTERS; cluster++) {
    if (cluster % 5 === 3) continue; // some clusters stay unallocated
    const line = text.encode(`cluster ${cluster} of the disk; `);
    for (let at = cluster * 65536; at < (cluster + 1) * 65536; at += line.byteLength) disk.set(line.subarray(0, Math.min(line.byteLength, (cluster + 1) * 65536 - at)), at);
  }
  writeRaw(work.at('disk.raw'), disk);
  qemuImg('convert', '-f', 'raw', '-O', 'qcow2', '-c', work.at('disk.raw'), work.at('zlib.qcow2'));
  qemuImg('convert', '-f', 'raw', '-O', 'qcow2', '-c', '-o', 'compression_type=zstd', work.at('disk.raw'), work.at('zstd.qcow2'));
});
afterAll(() => work.dispose());

/** An `AsyncRawInflate` that counts its calls and passes them to `inner`. */
function counting(inner: AsyncRawInflate): AsyncRawInflate & { calls: number } {
  const wrapped = Object.assign(async (input: Uint8Array<ArrayBuffer>, outputBytes: number) => {
    wrapped.calls++;
    return inner(input, outputBytes);
  }, { calls: 0 });
  return wrapped;
}

/** Reads `[offset, offset + length)` of `reader` as the disk worker does: deferring, settling and trying again. */
async function readDeferring(reader: Qcow2Reader, inflate: AsyncRawInflate, offset: number, length: number): Promise<{ bytes: Uint8Array; rounds: number }> {
  const bytes = new Uint8Array(length);
  for (let rounds = 0; ; rounds++) {
    try {
      runDeferringInflate(inflate, () => reader.readInto(offset, bytes));
      return { bytes, rounds };
    } catch (error) {
      if (!(error instanceof InflatePendingError)) throw error;
      await error.settle();
    }
  }
}

describe('deferred inflation of qcow2 clusters', () => {
  it('is available in this runtime', () => {
    expect(hasNativeRawInflate()).toBe(true);
  });

  it('decodes every compressed cluster natively, once, and reads what QEMU reads', async () => {
    const expected = qemuRaw(work.at('zlib.qcow2'), 'qcow2', work);
    const reader = Qcow2Reader.open(NodeFile.open(work.at('zlib.qcow2'), 'read'));
    const inflate = counting(nativeRawInflate);
    const pieceBytes = 3 * 65536 + 4096; // pieces straddle clusters
    const got = new Uint8Array(expected.byteLength);
    let rounds = 0;
    for (let offset = 0; offset < expected.byteLength; offset += pieceBytes) {
      const read = await readDeferring(reader, inflate, offset, Math.min(pieceBytes, expected.byteLength - offset));
      got.set(read.bytes, offset);
      rounds += read.rounds;
    }
    expect(firstDifference(got, expected)).toBe('identical');
    const allocated = Array.from({ length: CLUSTERS }, (_, cluster) => cluster).filter((cluster) => cluster % 5 !== 3).length;
    expect(inflate.calls).toBe(allocated);
    expect(rounds).toBeGreaterThan(0);
    // Everything is decoded now: the same reads need no more rounds.
    expect((await readDeferring(reader, inflate, 0, 8 * 65536)).rounds).toBe(0);
    reader.close();
  });

  it('decodes synchronously what the native decoder declines, and a damaged cluster still gives the typed error', async () => {
    const declining = counting(async () => null);
    const reader = Qcow2Reader.open(NodeFile.open(work.at('zlib.qcow2'), 'read'));
    const { bytes, rounds } = await readDeferring(reader, declining, 0, 2 * 65536);
    expect(rounds).toBe(1);
    expect(declining.calls).toBe(2);
    expect(firstDifference(bytes, readFileSync(work.at('disk.raw')).subarray(0, 2 * 65536))).toBe('identical');
    reader.close();

    // Damage the first compressed cluster's DEFLATE data: the native decoder declines it, the synchronous one names it.
    const damaged = new Uint8Array(readFileSync(work.at('zlib.qcow2')));
    const probe = Qcow2Reader.open(NodeFile.open(work.at('zlib.qcow2'), 'read'));
    const firstHost = findFirstCompressedHost(damaged, probe);
    probe.close();
    damaged.fill(0xff, firstHost, firstHost + 64);
    writeFileSync(work.at('damaged.qcow2'), damaged);
    const broken = Qcow2Reader.open(NodeFile.open(work.at('damaged.qcow2'), 'read'));
    await expect(readDeferring(broken, nativeRawInflate, 0, 4096)).rejects.toBeInstanceOf(ImageCorruptionError);
    broken.close();
  });

  it('never defers outside a scope, for zstd clusters, or for more clusters than the cache holds', () => {
    const inflate = counting(nativeRawInflate);
    const zlib = Qcow2Reader.open(NodeFile.open(work.at('zlib.qcow2'), 'read'));
    expect(firstDifference(zlibRead(zlib, 0, 65536), readFileSync(work.at('disk.raw')).subarray(0, 65536))).toBe('identical');
    zlib.close();
    const zstd = Qcow2Reader.open(NodeFile.open(work.at('zstd.qcow2'), 'read'));
    const bytes = new Uint8Array(CLUSTERS * 65536);
    runDeferringInflate(inflate, () => zstd.readInto(0, bytes));
    expect(firstDifference(bytes, readFileSync(work.at('disk.raw')))).toBe('identical');
    zstd.close();
    expect(inflate.calls).toBe(0);
  });

  it('decodes a read spanning more clusters than half the cache holds synchronously, in one try', async () => {
    const size = 40 * 65536;
    writeRaw(work.at('big.raw'), new Uint8Array(size).fill(0x41));
    qemuImg('convert', '-f', 'raw', '-O', 'qcow2', '-c', work.at('big.raw'), work.at('big.qcow2'));
    const reader = Qcow2Reader.open(NodeFile.open(work.at('big.qcow2'), 'read'));
    const inflate = counting(nativeRawInflate);
    const { bytes, rounds } = await readDeferring(reader, inflate, 0, size);
    expect(rounds).toBe(0);
    expect(inflate.calls).toBe(0);
    expect(bytes.every((byte) => byte === 0x41)).toBe(true);
    reader.close();
  });
});

/** Reads outside any deferral scope. */
function zlibRead(reader: Qcow2Reader, offset: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  reader.readInto(offset, bytes);
  return bytes;
}

/** Host offset of the first compressed cluster: where its DEFLATE data starts (found by its L2 entry through the reader's map). */
function findFirstCompressedHost(image: Uint8Array, reader: Qcow2Reader): number {
  // The header's L1 table offset, then the first L2 table, then the first compressed entry.
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const l1Offset = Number(view.getBigUint64(40));
  const l2Offset = Number(view.getBigUint64(l1Offset) & 0x00fffffffffffe00n);
  const clusterBits = view.getUint32(20);
  for (let index = 0; index < 1 << (clusterBits - 3); index++) {
    const entry = view.getBigUint64(l2Offset + index * 8);
    if (entry & (1n << 62n)) {
      const offsetBits = 62 - (clusterBits - 8);
      return Number(entry & ((1n << BigInt(offsetBits)) - 1n));
    }
  }
  throw new Error(`no compressed cluster in an image of ${reader.size} bytes`);
}


