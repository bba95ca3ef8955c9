import { describe, expect, it } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import { RecordingFile } from '../support/recording-file.ts';
import { l2EntryOf, memoryResolver, pattern } from '../support/images.ts';

const KIB = 1024;
const MIB = 1024 * KIB;

describe('QedImage.create', () => {
  it('lays out a file exactly like qemu-img create (327680 bytes for the defaults)', () => {
    const file = new MemoryFile();
    QedImage.create(file, { size: 1024 * MIB }).close();
    const bytes = file.snapshot();
    expect(bytes.byteLength).toBe(327_680);
    expect(Buffer.from(bytes.subarray(0, 16)).toString('hex')).toBe('51454400000001000400000001000000');
  });

  it('rounds the size up to 512 bytes, as qemu-img does (1000 -> 1024)', () => {
    const image = QedImage.create(new MemoryFile(), { size: 1000 });
    expect(image.size).toBe(1024);
  });

  it('stores a raw backing name right after the header with bits 0x1 and 0x4', () => {
    const base = new MemoryFile(pattern(4 * MIB, 1));
    const file = new MemoryFile();
    const image = QedImage.create(file, { backing: { name: 'base.raw', format: 'raw' }, resolveBacking: memoryResolver({ 'base.raw': base }) });
    expect(image.size).toBe(4 * MIB);
    image.close();
    const bytes = file.snapshot();
    expect(bytes[16]).toBe(0x05);
    expect(new TextDecoder().decode(bytes.subarray(64, 72))).toBe('base.raw');
  });

  it.each([
    [{ size: MIB, clusterSize: 2048 }, /cluster size 2048/],
    [{ size: MIB, tableSize: 3 }, /table size 3/],
    [{ size: MIB, tableSize: 1 }, /QEMU cannot open 1/],
    [{ size: 64 * 1024 * MIB, clusterSize: 4096, tableSize: 2 }, /exceeds the maximum/],
    [{ size: MIB, clusterSize: 64 * MIB }, /exceeds the maximum of 0/],
    [{ size: -1 }, /non-negative integer/],
  ])('refuses %o before touching the file', (options, message) => {
    const file = new MemoryFile(pattern(100, 2));
    expect(() => QedImage.create(file, options)).toThrow(message);
    expect(file.snapshot()).toEqual(pattern(100, 2));
  });
});

describe('allocation layout', () => {
  it('puts the first data cluster at 0x50000, the new L2 table after it, and the next cluster at 0xA0000', () => {
    const file = new MemoryFile();
    const image = QedImage.create(file, { size: 8 * MIB });
    image.write(8 * KIB, pattern(4 * KIB, 3));
    image.write(200 * KIB, pattern(4 * KIB, 4));
    const bytes = file.snapshot();
    expect(l2EntryOf(bytes, 0x10000, 0, 0)).toBe(0x50000);
    expect(new DataView(bytes.buffer).getBigUint64(0x10000, true)).toBe(0x60000n);
    expect(l2EntryOf(bytes, 0x10000, 0, 3)).toBe(0xa0000);
    expect(bytes.byteLength).toBe(0xb0000);
  });

  it('gives a multi-cluster allocating write one contiguous extent', () => {
    const file = new MemoryFile();
    const image = QedImage.create(file, { size: 8 * MIB });
    image.write(10 * KIB, pattern(300 * KIB, 5));
    const bytes = file.snapshot();
    const entries = [0, 1, 2, 3, 4].map((i) => l2EntryOf(bytes, 0x10000, 0, i));
    expect(entries).toEqual([0x50000, 0x60000, 0x70000, 0x80000, 0x90000]);
    expect(image.map().filter((e) => e.kind === 'data')).toEqual([{ start: 0, length: 320 * KIB, kind: 'data', offset: 0x50000 }]);
  });
});

describe('write ordering', () => {
  it('without a backing file: need-check and flush, data, whole new L2 table, flush, L1 sector', () => {
    const file = new RecordingFile(new MemoryFile());
    const image = QedImage.create(file, { size: 8 * MIB });
    file.calls.length = 0;
    image.write(8 * KIB, pattern(4 * KIB, 6));
    expect(file.calls).toEqual([
      { op: 'write', at: 0, length: 64 },
      { op: 'flush' },
      { op: 'write', at: 0x50000, length: 64 * KIB },
      { op: 'write', at: 0x60000, length: 256 * KIB },
      { op: 'flush' },
      { op: 'write', at: 0x10000, length: 512 },
    ]);
    file.calls.length = 0;
    image.write(200 * KIB, pattern(4 * KIB, 7));
    expect(file.calls).toEqual([
      { op: 'write', at: 0xa0000, length: 64 * KIB },
      { op: 'write', at: 0x60000, length: 512 },
    ]);
  });

  it('with a backing file: no need-check, and a flush between data and every table update', () => {
    const base = new MemoryFile(pattern(4 * MIB, 8));
    const file = new RecordingFile(new MemoryFile());
    const image = QedImage.create(file, { size: 8 * MIB, backing: { name: 'b', format: 'raw' }, resolveBacking: memoryResolver({ b: base }) });
    file.calls.length = 0;
    image.write(8 * KIB, pattern(4 * KIB, 9));
    image.write(200 * KIB, pattern(4 * KIB, 10));
    // A new table is flushed, with the data written before it, before the L1 entry names it.
    expect(file.calls).toEqual([
      { op: 'write', at: 0x50000, length: 64 * KIB },
      { op: 'write', at: 0x60000, length: 256 * KIB },
      { op: 'flush' },
      { op: 'write', at: 0x10000, length: 512 },
      { op: 'write', at: 0xa0000, length: 64 * KIB },
      { op: 'flush' },
      { op: 'write', at: 0x60000, length: 512 },
    ]);
    expect(image.info().needsCheck).toBe(false);
  });

  it('overwrites allocated clusters in place with one write and no metadata', () => {
    const file = new RecordingFile(new MemoryFile());
    const image = QedImage.create(file, { size: 8 * MIB });
    image.write(0, pattern(256 * KIB, 11));
    file.calls.length = 0;
    image.write(50 * KIB, pattern(100 * KIB, 12));
    expect(file.calls).toEqual([{ op: 'write', at: 0x50000 + 50 * KIB, length: 100 * KIB }]);
  });
});
