import { describe, expect, it } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import type { FileRange, SyncFile } from '../../src/engine/sync-file.ts';
import { QedArgumentError, QedBackingError, QedClosedError, QedIoError, QedRangeError, QedReadOnlyError } from '../../src/qed/errors.ts';
import { memoryResolver, pattern, withU64 } from '../support/images.ts';
import { mulberry32 } from '../support/mulberry32.ts';
import { RecordingFile } from '../support/recording-file.ts';

const KIB = 1024;
const MIB = 1024 * KIB;

describe('the need-check bit', () => {
  it('is set by the first allocating write, kept by flush, and cleared by markClean', () => {
    const image = QedImage.create(new MemoryFile(), { size: 4 * MIB });
    expect(image.info().needsCheck).toBe(false);
    image.write(0, pattern(512, 1));
    expect(image.info().needsCheck).toBe(true);
    image.flush();
    expect(image.info().needsCheck).toBe(true);
    expect(image.markClean()).toBe(true);
    expect(image.info().needsCheck).toBe(false);
    image.write(0, pattern(512, 2));
    expect(image.info().needsCheck).toBe(false);
  });

  it('is cleared by close', () => {
    const file = new MemoryFile();
    const image = QedImage.create(file, { size: 4 * MIB });
    image.write(0, pattern(512, 3));
    const dirty = file.snapshot();
    image.close();
    expect(dirty[16]! & 2).toBe(2);
    expect(file.snapshot()[16]! & 2).toBe(0);
  });

  it('makes a read-write open repair the image, and a read-only open leave it untouched', () => {
    const file = new MemoryFile();
    const image = QedImage.create(file, { size: 4 * MIB });
    image.write(0, pattern(64 * KIB, 4));
    // Damage: point L2 entry 1 past the end of the file, as a lost data write would.
    const l2Offset = 0x60000;
    const crashed = withU64(file.snapshot(), l2Offset + 8, 0x1000000n);
    const readOnly = QedImage.open(new MemoryFile(crashed), { readOnly: true });
    expect(readOnly.info().needsCheck).toBe(true);
    expect(readOnly.check().corruptions).toBe(1);
    readOnly.close();
    const repairedFile = new MemoryFile(crashed);
    const repaired = QedImage.open(repairedFile);
    expect(repaired.info().needsCheck).toBe(false);
    expect(repaired.check()).toMatchObject({ corruptions: 0, leaks: 0, allocatedClusters: 1 });
    expect(repaired.read(0, 64 * KIB)).toEqual(pattern(64 * KIB, 4));
  });

  it('stays set when the repair leaves an unfixable duplicate behind', () => {
    const file = new MemoryFile();
    const image = QedImage.create(file, { size: 4 * MIB });
    image.write(0, pattern(64 * KIB, 5));
    const damaged = withU64(file.snapshot(), 0x60000 + 8, 0x50000n);
    const reopened = QedImage.open(new MemoryFile(damaged));
    expect(reopened.check().corruptions).toBe(1);
    expect(reopened.markClean()).toBe(false);
    reopened.close();
  });
});

describe('feature bits', () => {
  const fresh = (): Uint8Array => {
    const file = new MemoryFile();
    QedImage.create(file, { size: MIB }).close();
    return file.snapshot();
  };

  it('clears unknown auto-clear bits on a read-write open and keeps them read-only', () => {
    const bytes = withU64(fresh(), 32, 0x20n);
    const readOnlyFile = new MemoryFile(bytes);
    QedImage.open(readOnlyFile, { readOnly: true }).close();
    expect(readOnlyFile.snapshot()).toEqual(bytes);
    const file = new MemoryFile(bytes);
    QedImage.open(file).close();
    expect(new DataView(file.snapshot().buffer).getBigUint64(32, true)).toBe(0n);
  });

  it('keeps unknown compatible bits through writes', () => {
    const file = new MemoryFile(withU64(fresh(), 24, 0x10n));
    const image = QedImage.open(file);
    image.write(0, pattern(4 * KIB, 6));
    image.close();
    expect(new DataView(file.snapshot().buffer).getBigUint64(24, true)).toBe(0x10n);
  });
});

describe('requests', () => {
  it('refuses out-of-range and malformed requests before writing anything', () => {
    const file = new MemoryFile();
    const image = QedImage.create(file, { size: MIB });
    const before = file.snapshot();
    expect(() => image.write(MIB - 1, pattern(2, 7))).toThrow(QedRangeError);
    expect(() => image.writeZeroes(-1, 10)).toThrow(QedRangeError);
    expect(() => image.read(2 ** 53, 1)).toThrow(QedRangeError);
    expect(() => image.read(0.5, 1)).toThrow(QedRangeError);
    expect(file.snapshot()).toEqual(before);
  });

  it('refuses writes on a read-only image and everything after close', () => {
    const file = new MemoryFile();
    QedImage.create(file, { size: MIB }).close();
    const image = QedImage.open(new MemoryFile(file.snapshot()), { readOnly: true });
    expect(() => image.write(0, pattern(1, 8))).toThrow(QedReadOnlyError);
    image.close();
    expect(() => image.read(0, 1)).toThrow(QedClosedError);
  });

  it('grows with resize and refuses shrinking, odd sizes and sizes past the maximum', () => {
    const image = QedImage.create(new MemoryFile(), { size: 8 * MIB });
    image.resize(16 * MIB);
    expect(image.size).toBe(16 * MIB);
    expect(() => image.resize(4 * MIB)).toThrow(/shrinking/);
    expect(() => image.resize(16 * MIB + 1000)).toThrow(/multiple of 512/);
    image.resize(64 * 1024 ** 4);
    expect(() => image.resize(65 * 1024 ** 4)).toThrow(QedRangeError);
  });
});

describe('zero writes', () => {
  it('turn whole unallocated clusters into zero clusters that hide the backing image', () => {
    const base = new MemoryFile(new Uint8Array(MIB).fill(0x11));
    const file = new MemoryFile();
    const image = QedImage.create(file, { backing: { name: 'b', format: 'raw' }, resolveBacking: memoryResolver({ b: base }) });
    image.writeZeroes(0, 128 * KIB);
    expect(image.read(0, 128 * KIB).every((b) => b === 0)).toBe(true);
    expect(image.map()[0]).toEqual({ start: 0, length: 128 * KIB, kind: 'zero' });
    expect(image.info().allocatedBytes).toBe(0);
  });

  it('fill the rest of a zero cluster with zeros on a partial write (the spec, not QEMU 7.2)', () => {
    const base = new MemoryFile(new Uint8Array(MIB).fill(0x11));
    const image = QedImage.create(new MemoryFile(), { backing: { name: 'b', format: 'raw' }, resolveBacking: memoryResolver({ b: base }) });
    image.writeZeroes(0, 64 * KIB);
    image.write(0, new Uint8Array(4 * KIB).fill(0xab));
    expect(image.read(4 * KIB, 60 * KIB).every((b) => b === 0)).toBe(true);
  });

  it('zero allocated clusters in place and write unaligned ends as data', () => {
    const image = QedImage.create(new MemoryFile(), { size: MIB });
    image.write(0, pattern(256 * KIB, 9));
    image.writeZeroes(1000, 200 * KIB);
    const expected = pattern(256 * KIB, 9);
    expected.fill(0, 1000, 1000 + 200 * KIB);
    expect(image.read(0, 256 * KIB)).toEqual(expected);
    expect(image.info().allocatedBytes).toBe(256 * KIB);
  });
});

describe('backing images', () => {
  it('read as zeros past the end of a shorter backing file, also in copy-on-write fills', () => {
    const base = new MemoryFile(new Uint8Array(100 * KIB).fill(0x11));
    const image = QedImage.create(new MemoryFile(), { size: MIB, backing: { name: 'b', format: 'raw' }, resolveBacking: memoryResolver({ b: base }) });
    expect(image.read(100 * KIB - 2, 4)).toEqual(new Uint8Array([0x11, 0x11, 0, 0]));
    image.write(70 * KIB, new Uint8Array([0xab]));
    const cluster = image.read(64 * KIB, 64 * KIB);
    expect(cluster[0]).toBe(0x11);
    expect(cluster[6 * KIB]).toBe(0xab);
    expect(cluster[36 * KIB - 1]).toBe(0x11);
    expect(cluster[36 * KIB]).toBe(0);
  });

  it('refuses a chain that loops back on itself', () => {
    const files: Record<string, MemoryFile> = {};
    const file = new MemoryFile();
    files['self.qed'] = file;
    const resolver = memoryResolver(files);
    QedImage.create(file, { size: MIB, backing: { name: 'self.qed', format: 'qed' }, resolveBacking: () => new MemoryFile(new Uint8Array(MIB)) }).close();
    expect(() => QedImage.open(new MemoryFile(file.snapshot()), { resolveBacking: resolver, maxBackingDepth: 8 })).toThrow(QedBackingError);
  });

  it('refuses to open an overlay whose backing file cannot be found', () => {
    const file = new MemoryFile();
    QedImage.create(file, { size: MIB, backing: { name: 'gone.raw', format: 'raw' }, resolveBacking: () => new MemoryFile() }).close();
    expect(() => QedImage.open(new MemoryFile(file.snapshot()), { resolveBacking: memoryResolver({}) })).toThrow(/cannot open backing file "gone.raw"/);
    expect(() => QedImage.open(new MemoryFile(file.snapshot()))).toThrow(QedBackingError);
  });
});

/** A file whose writes fail after `budget` bytes, like a full quota. */
class FullDisk implements SyncFile {
  readonly inner = new MemoryFile();
  budget = Number.POSITIVE_INFINITY;
  read(buffer: Uint8Array, range: FileRange): number {
    return this.inner.read(buffer, range);
  }
  write(buffer: Uint8Array, range: FileRange): number {
    if (range.at + buffer.byteLength > this.budget) throw new Error('QuotaExceededError: no space');
    return this.inner.write(buffer, range);
  }
  getSize(): number {
    return this.inner.getSize();
  }
  truncate(size: number): void {
    this.inner.truncate(size);
  }
  flush(): void {}
  close(): void {}
}

describe('storage failures', () => {
  it('surface as QedIoError, leave the image consistent, and let writes resume', () => {
    const file = new FullDisk();
    const image = QedImage.create(file, { size: 4 * MIB });
    image.write(0, pattern(64 * KIB, 10));
    file.budget = file.getSize() + 1000;
    expect(() => image.write(MIB, pattern(64 * KIB, 11))).toThrow(QedIoError);
    expect(image.check()).toMatchObject({ corruptions: 0 });
    file.budget = Number.POSITIVE_INFINITY;
    image.write(MIB, pattern(64 * KIB, 11));
    expect(image.read(MIB, 64 * KIB)).toEqual(pattern(64 * KIB, 11));
    expect(image.read(0, 64 * KIB)).toEqual(pattern(64 * KIB, 10));
    expect(image.check()).toMatchObject({ corruptions: 0, leaks: 0 });
  });

  it('leave the I/O counters as they were: only requests that succeed are counted', () => {
    const file = new FullDisk();
    const image = QedImage.create(file, { size: 4 * MIB });
    image.write(0, pattern(4 * KIB, 1));
    const before = image.ioStats();
    file.budget = 0; // every file write fails
    expect(() => image.write(MIB, pattern(64 * KIB, 2))).toThrow(QedIoError);
    expect(() => image.writeZeroes(0, 512)).toThrow(QedIoError);
    const after = image.ioStats();
    expect({ writes: after.writes, bytesWritten: after.bytesWritten }).toEqual({ writes: before.writes, bytesWritten: before.bytesWritten });
    file.budget = Number.POSITIVE_INFINITY;
    image.write(MIB, pattern(64 * KIB, 2));
    expect(image.ioStats()).toMatchObject({ writes: before.writes + 1, bytesWritten: before.bytesWritten + 64 * KIB });
  });
});

describe('the L2 cache', () => {
  it('stays within its byte budget across many tables', () => {
    const image = QedImage.create(new MemoryFile(), { size: 64 * MIB, clusterSize: 4 * KIB, tableSize: 2, l2CacheBytes: 32 * KIB });
    for (let offset = 0; offset < 64 * MIB; offset += 4 * MIB) image.write(offset, pattern(512, offset));
    for (let offset = 0; offset < 64 * MIB; offset += 4 * MIB) expect(image.read(offset, 512)).toEqual(pattern(512, offset));
    const stats = image.ioStats().l2Cache;
    expect(stats.bytes).toBeLessThanOrEqual(32 * KIB);
    expect(stats.evictions).toBeGreaterThan(0);
  });

  it('reads one page of a large table for a lookup, not the whole table', () => {
    const file = new MemoryFile();
    // 64 KiB clusters, 16-cluster tables: each L2 table is 1 MiB of entries.
    QedImage.create(file, { size: 64 * 1024 * MIB, clusterSize: 64 * KIB, tableSize: 16 }).write(40 * 1024 * MIB, pattern(4 * KIB, 9));
    const recording = new RecordingFile(file);
    const image = QedImage.open(recording, { readOnly: true });
    const afterOpen = recording.bytesRead;
    expect(image.read(40 * 1024 * MIB, 4 * KIB)).toEqual(pattern(4 * KIB, 9));
    // The data (4 KiB) and one 4 KiB page of the table.
    expect(recording.bytesRead - afterOpen).toBe(8 * KIB);
    const whole = new RecordingFile(file);
    const wholeImage = QedImage.open(whole, { readOnly: true, l2PageBytes: 1 << 30 });
    const wholeAfterOpen = whole.bytesRead;
    wholeImage.read(40 * 1024 * MIB, 4 * KIB);
    expect(whole.bytesRead - wholeAfterOpen).toBe(MIB + 4 * KIB);
  });

  it('keeps reads, writes, zero writes and discards right with one-sector pages in a two-page cache', () => {
    const file = new MemoryFile();
    const size = 256 * MIB;
    const cs = 4 * KIB;
    let image = QedImage.create(file, { size, clusterSize: cs, tableSize: 2, l2CacheBytes: 1024, l2PageBytes: 512 });
    const model = new Map<number, number>(); // cluster -> pattern seed, or 0 for zeros
    const next = mulberry32(7);
    const done = { writes: 0, zeroes: 0, discards: 0 };
    for (let i = 0; i < 600; i++) {
      const cluster = next() % (size / cs);
      const op = next() % 4;
      if (op < 2) {
        image.write(cluster * cs, pattern(cs, i + 1));
        model.set(cluster, i + 1);
        done.writes++;
      } else if (op === 2) {
        image.writeZeroes(cluster * cs, cs);
        model.set(cluster, 0);
        done.zeroes++;
      } else {
        image.discard(cluster * cs, cs);
        model.set(cluster, 0);
        done.discards++;
      }
    }
    expect(Math.min(done.writes, done.zeroes, done.discards)).toBeGreaterThan(100);
    image.close();
    const bytes = file.snapshot();
    for (const pageBytes of [512, 4096, 1 << 30]) {
      image = QedImage.open(new MemoryFile(bytes), { readOnly: true, l2PageBytes: pageBytes, l2CacheBytes: 1024 });
      const wrong: number[] = [];
      for (const [cluster, value] of model) {
        const expected = value === 0 ? new Uint8Array(cs) : pattern(cs, value);
        if (!Buffer.from(image.read(cluster * cs, cs)).equals(expected)) wrong.push(cluster);
      }
      expect(wrong).toEqual([]);
      expect(image.check().corruptions).toBe(0);
      image.close();
    }
  });

  it('refuses a page size that is not a power of two of at least 512', () => {
    const file = new MemoryFile();
    QedImage.create(file, { size: 4 * MIB }).flush();
    expect(() => QedImage.open(file, { l2PageBytes: 1000 })).toThrow(QedArgumentError);
    expect(() => QedImage.open(file, { l2PageBytes: 256 })).toThrow(QedArgumentError);
  });
});
