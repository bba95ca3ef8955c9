/**
 * `compactImageFile`: a new file with the same guest bytes, the same header meaning (backing
 * name, geometry, size) and nothing else: no leaks, no all-zero data clusters, no need-check.
 */
import { describe, expect, it } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { inspectImageSpace } from '../../src/engine/bare-image.ts';
import { compactImageFile, compactImageSteps } from '../../src/engine/compact.ts';
import { QedCompactionError } from '../../src/engine/compact-errors.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import { FEATURE_NEED_CHECK } from '../../src/qed/constants.ts';
import { QedCorruptionError } from '../../src/qed/errors.ts';
import { l2EntryOf, memoryResolver, pattern, withU64 } from '../support/images.ts';

const KIB = 1024;
const MIB = 1024 * KIB;

/** Compacts `bytes` and returns the new file's bytes and the report. */
function compact(bytes: Uint8Array): { bytes: Uint8Array; report: ReturnType<typeof compactImageFile> } {
  const target = new MemoryFile();
  const report = compactImageFile(new MemoryFile(bytes), target);
  return { bytes: target.snapshot(), report };
}

/** Every guest byte of the image in `bytes`. */
function guestBytes(bytes: Uint8Array, resolveBacking?: Parameters<typeof QedImage.open>[1] extends infer O ? (O extends { resolveBacking?: infer R } ? R : never) : never): Uint8Array {
  const image = QedImage.open(new MemoryFile(bytes), { readOnly: true, resolveBacking });
  try {
    return image.read(0, image.size);
  } finally {
    image.close();
  }
}

describe('compactImageFile', () => {
  it('drops leaks and all-zero clusters, keeps every guest byte, and lays the rest out without gaps', () => {
    const file = new MemoryFile();
    const image = QedImage.create(file, { size: 16 * MIB });
    image.write(0, pattern(256 * KIB, 1));
    image.write(4 * MIB, new Uint8Array(192 * KIB)); // data clusters holding zeros
    image.write(4 * MIB + 192 * KIB, pattern(10, 2));
    image.discard(64 * KIB, 64 * KIB); // a leak in the middle of the first extent
    image.close();
    const before = file.snapshot();
    const { bytes, report } = compact(before);
    expect(report).toEqual({ bytesBefore: before.byteLength, bytesAfter: bytes.byteLength, dataClusters: 4, zeroClustersDropped: 3, leakedClustersDropped: 1, tables: 1 });
    // header, L1 (4 clusters), 4 data clusters, one L2 table (4 clusters)
    expect(bytes.byteLength).toBe((1 + 4 + 4 + 4) * 64 * KIB);
    expect(Buffer.compare(guestBytes(bytes), guestBytes(before))).toBe(0);
    expect(l2EntryOf(bytes, 0x10000, 0, 0)).toBe(0x50000);
    expect(l2EntryOf(bytes, 0x10000, 0, 64)).toBe(0); // an all-zero cluster without a backing file: unallocated
    const reopened = QedImage.open(new MemoryFile(bytes), { readOnly: true });
    expect(reopened.check()).toMatchObject({ corruptions: 0, leaks: 0, fragmentedClusters: 0, allocatedClusters: 4 });
    reopened.close();
  });

  it('keeps the backing name and makes all-zero clusters zero clusters over it, so the backing data stays hidden', () => {
    const base = new MemoryFile(pattern(2 * MIB, 3));
    const resolveBacking = memoryResolver({ 'base.raw': base });
    const file = new MemoryFile();
    const image = QedImage.create(file, { backing: { name: 'base.raw', format: 'raw' }, resolveBacking });
    image.write(0, new Uint8Array(64 * KIB));
    image.writeZeroes(128 * KIB, 64 * KIB);
    image.write(300 * KIB, pattern(5000, 4));
    image.close();
    const before = file.snapshot();
    const { bytes, report } = compact(before);
    expect(report).toMatchObject({ dataClusters: 1, zeroClustersDropped: 1, leakedClustersDropped: 0 });
    expect(l2EntryOf(bytes, 0x10000, 0, 0)).toBe(1);
    expect(l2EntryOf(bytes, 0x10000, 0, 2)).toBe(1);
    expect(bytes[16]).toBe(0x05); // backing file, raw
    expect(new TextDecoder().decode(bytes.subarray(64, 72))).toBe('base.raw');
    expect(Buffer.compare(guestBytes(bytes, resolveBacking), guestBytes(before, resolveBacking))).toBe(0);
  });

  it('leaves an overlay on the compacted image reading exactly as before', () => {
    const files: Record<string, MemoryFile> = {};
    const baseFile = new MemoryFile();
    const base = QedImage.create(baseFile, { size: 4 * MIB, clusterSize: 4 * KIB, tableSize: 2 });
    base.write(0, pattern(3 * MIB, 5));
    base.writeZeroes(MIB, MIB); // in place: all-zero data clusters
    base.close();
    const resolveBacking = memoryResolver(files);
    files['base.qed'] = baseFile;
    const overlayFile = new MemoryFile();
    const overlay = QedImage.create(overlayFile, { backing: { name: 'base.qed', format: 'qed' }, resolveBacking });
    overlay.write(2 * MIB + 100, pattern(9000, 6));
    overlay.close();
    const overlayBytes = overlayFile.snapshot();
    const before = guestBytes(overlayBytes, resolveBacking);
    const { bytes, report } = compact(baseFile.snapshot());
    expect(report.zeroClustersDropped).toBe(256);
    files['base.qed'] = new MemoryFile(bytes);
    expect(Buffer.compare(guestBytes(overlayBytes, resolveBacking), before)).toBe(0);
  });

  it('clears the need-check and auto-clear bits', () => {
    const created = new MemoryFile();
    QedImage.create(created, { size: 4 * MIB }).close();
    const file = new MemoryFile(created.snapshot());
    const image = QedImage.open(file);
    image.write(0, pattern(100, 7));
    image.flush(); // need-check still set: the image is "open"
    const open = file.snapshot();
    expect(open[16]! & Number(FEATURE_NEED_CHECK)).not.toBe(0);
    const { bytes } = compact(withU64(open, 32, 0x10n));
    expect(bytes[16]! & Number(FEATURE_NEED_CHECK)).toBe(0);
    expect(new DataView(bytes.buffer).getBigUint64(32, true)).toBe(0n);
    expect(Buffer.compare(guestBytes(bytes), guestBytes(open))).toBe(0);
    image.close();
  });

  it('refuses a corrupted image (repair first) and unknown compatible features, writing nothing useful', () => {
    const file = new MemoryFile();
    const image = QedImage.create(file, { size: 4 * MIB });
    image.write(0, pattern(128 * KIB, 8));
    image.close();
    const clean = file.snapshot();
    const l2Offset = Number(new DataView(clean.buffer).getBigUint64(0x10000, true));
    const shared = withU64(clean, l2Offset + 8 * 5, 0x50000n); // guest cluster 5 names cluster 0's data
    expect(() => compact(shared)).toThrow(QedCorruptionError);
    expect(() => compact(shared)).toThrow(/repair/);
    expect(() => compact(withU64(clean, 24, 1n))).toThrow(QedCompactionError);
  });

  it('reports progress in steps up to the referenced data, and can be stopped between steps', () => {
    const file = new MemoryFile();
    const image = QedImage.create(file, { size: 32 * MIB });
    image.write(0, pattern(5 * MIB, 9));
    image.close();
    const seen: Array<[number, number]> = [];
    compactImageFile(new MemoryFile(file.snapshot()), new MemoryFile(), { onProgress: (done, total) => seen.push([done, total]) });
    expect(seen.length).toBeGreaterThanOrEqual(5);
    expect(seen.every(([, total]) => total === 5 * MIB)).toBe(true);
    expect(seen[seen.length - 1]).toEqual([5 * MIB, 5 * MIB]);
    const target = new MemoryFile();
    const steps = compactImageSteps(new MemoryFile(file.snapshot()), target);
    steps.next();
    steps.return(undefined as never);
    expect(steps.next().done).toBe(true);
    expect(() => QedImage.open(new MemoryFile(target.snapshot())).read(0, 512)).toThrow(); // no usable image: the caller deletes it
  });
});

describe('inspectImageSpace', () => {
  it('splits the file into data, metadata and leaked bytes without opening the backing file', () => {
    const file = new MemoryFile();
    const image = QedImage.create(file, { backing: { name: 'missing.raw', format: 'raw' }, size: 8 * MIB, resolveBacking: () => new MemoryFile() });
    image.write(0, pattern(3 * 64 * KIB, 10));
    image.discard(0, 64 * KIB);
    image.close();
    const bytes = file.snapshot();
    const grown = new Uint8Array(bytes.byteLength + 64 * KIB + 10);
    grown.set(bytes);
    expect(inspectImageSpace(new MemoryFile(grown))).toEqual({
      fileBytes: grown.byteLength,
      dataBytes: 2 * 64 * KIB,
      leakedBytes: 2 * 64 * KIB + 10,
      metadataBytes: (1 + 4 + 4) * 64 * KIB,
      consistent: true,
    });
  });
});
