/**
 * Leaked clusters at the end of the file (a crash between writing data and the table entry
 * naming it) are given back: a repair cuts them off, and so does the first write of a session
 * (over a backing file the need-check bit is never set, so no repair runs). Leaks between used
 * clusters stay, counted, for a compaction. Layout of an 8 MiB image with 64 KiB clusters:
 * header 0, L1 at 0x10000 (4 clusters), the first write's data at 0x50000, its L2 table at 0x60000.
 */
import { describe, expect, it } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import { FEATURE_NEED_CHECK } from '../../src/qed/constants.ts';
import { memoryResolver, pattern, withU64 } from '../support/images.ts';

const KIB = 1024;
const MIB = 1024 * KIB;
const CLEAN_END = 0xb0000; // header, L1, data 0x50000, L2 0x60000-0xa0000, data 0xa0000

/** An 8 MiB image with data at guest 0 and guest 1 MiB, closed: its bytes. */
function twoClusters(): Uint8Array {
  const file = new MemoryFile();
  const image = QedImage.create(file, { size: 8 * MIB });
  image.write(0, pattern(64 * KIB, 1));
  image.write(MIB, pattern(64 * KIB, 2));
  image.close();
  const bytes = file.snapshot();
  expect(bytes.byteLength).toBe(CLEAN_END);
  return bytes;
}

/** `bytes` followed by `extra` bytes of garbage (what a killed allocating write leaves). */
function withTail(bytes: Uint8Array, extra: number): Uint8Array {
  const grown = new Uint8Array(bytes.byteLength + extra);
  grown.set(bytes);
  grown.set(pattern(extra, 9), bytes.byteLength);
  return grown;
}

/** `bytes` with the need-check bit set, as a crash during an allocating write leaves it. */
function dirty(bytes: Uint8Array): Uint8Array {
  return withU64(bytes, 16, new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(16, true) | FEATURE_NEED_CHECK);
}

describe('check with repair', () => {
  it('cuts whole and partial leaked clusters off the end, counts them as fixed, and keeps every guest byte', () => {
    const file = new MemoryFile(withTail(twoClusters(), 3 * 64 * KIB + 1000));
    const image = QedImage.open(file);
    const before = image.read(0, 8 * MIB);
    expect(image.check()).toMatchObject({ leaks: 3, leaksFixed: 0, imageEndOffset: CLEAN_END + 3 * 64 * KIB + 1000 });
    expect(image.check({ repair: true })).toMatchObject({ corruptions: 0, leaks: 0, leaksFixed: 3, imageEndOffset: CLEAN_END });
    expect(file.getSize()).toBe(CLEAN_END);
    expect(Buffer.compare(image.read(0, 8 * MIB), before)).toBe(0);
    // The allocation pointer followed: the next cluster goes right where the leaks were.
    image.write(2 * MIB, pattern(512, 3));
    expect(file.getSize()).toBe(CLEAN_END + 64 * KIB);
    expect(image.check()).toMatchObject({ corruptions: 0, leaks: 0 });
    image.close();
  });

  it('runs on the read-write open of a dirty image (the killed write of issue 16)', () => {
    const file = new MemoryFile(dirty(withTail(twoClusters(), 40 * 64 * KIB)));
    const image = QedImage.open(file);
    expect(file.getSize()).toBe(CLEAN_END);
    expect(image.info().needsCheck).toBe(false);
    expect(Buffer.compare(image.read(MIB, 64 * KIB), pattern(64 * KIB, 2))).toBe(0);
    image.close();
  });

  it('leaves leaks between used clusters in place and counts them', () => {
    const file = new MemoryFile();
    const image = QedImage.create(file, { size: 8 * MIB });
    image.write(0, pattern(3 * 64 * KIB, 4));
    image.discard(64 * KIB, 64 * KIB); // the middle cluster of the extent is no longer referenced
    const size = file.getSize();
    expect(image.check({ repair: true })).toMatchObject({ leaks: 1, leaksFixed: 0 });
    expect(file.getSize()).toBe(size);
    image.close();
  });

  it('cuts nothing while a corruption it cannot repair remains (a table it skipped may reference the end)', () => {
    const bytes = withTail(twoClusters(), 2 * 64 * KIB);
    // Point guest cluster 2 at the data of guest cluster 0: a cluster referenced twice.
    const shared = withU64(bytes, 0x60000 + 8 * 2, 0x50000n);
    const file = new MemoryFile(shared);
    const image = QedImage.open(file);
    expect(image.check({ repair: true })).toMatchObject({ corruptions: 1, leaksFixed: 0 });
    expect(file.getSize()).toBe(shared.byteLength);
    image.close();
  });

  it('is never run by a read-only open, and a read-only check never truncates', () => {
    const bytes = dirty(withTail(twoClusters(), 2 * 64 * KIB));
    const file = new MemoryFile(bytes);
    const image = QedImage.open(file, { readOnly: true });
    expect(image.check()).toMatchObject({ leaks: 2, leaksFixed: 0 });
    image.close();
    expect(Buffer.compare(file.snapshot(), bytes)).toBe(0);
  });
});

describe('the first write of a session', () => {
  it('cuts leaked clusters off the end of an overlay (no need-check bit over a backing file), then allocates there', () => {
    const base = new MemoryFile(pattern(8 * MIB, 5));
    const resolveBacking = memoryResolver({ 'base.raw': base });
    const file = new MemoryFile();
    const image = QedImage.create(file, { backing: { name: 'base.raw', format: 'raw' }, resolveBacking });
    image.write(4096, pattern(100, 6));
    image.close();
    const clean = file.snapshot();
    const crashed = new MemoryFile(withTail(clean, 5 * 64 * KIB + 7));
    const reopened = QedImage.open(crashed, { resolveBacking });
    expect(reopened.check()).toMatchObject({ leaks: 5, corruptions: 0 });
    expect(crashed.getSize()).toBe(clean.byteLength + 5 * 64 * KIB + 7); // opening alone changes nothing
    reopened.write(3 * MIB, pattern(10, 7));
    expect(crashed.getSize()).toBe(clean.byteLength + 64 * KIB);
    expect(reopened.check()).toMatchObject({ leaks: 0, corruptions: 0 });
    const expected = pattern(8 * MIB, 5);
    expected.set(pattern(100, 6), 4096);
    expected.set(pattern(10, 7), 3 * MIB);
    expect(Buffer.compare(reopened.read(0, 8 * MIB), expected)).toBe(0);
    reopened.close();
  });

  it('cuts nothing while an L1 entry names no valid table (its references are unknown)', () => {
    const bytes = withU64(withTail(twoClusters(), 2 * 64 * KIB), 0x10000 + 8 * 2, 0x12345n); // misaligned L1 entry, slot 2
    const file = new MemoryFile(bytes);
    const image = QedImage.open(file);
    image.write(0, pattern(512, 8)); // in place: no allocation
    expect(file.getSize()).toBe(bytes.byteLength);
    image.close();
  });
});
