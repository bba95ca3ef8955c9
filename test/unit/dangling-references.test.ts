/**
 * References at or past the end of the file (a file cut short, QEMU's over-allocation, damage):
 * they read as zeros, never decide where new clusters go, and never become cross-links.
 * Layout of an 8 MiB image with 64 KiB clusters: header 0, L1 at 0x10000 (4 clusters), the first
 * write's data at 0x50000 and its L2 table at 0x60000.
 */
import { describe, expect, it } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import { QedCorruptionError } from '../../src/qed/errors.ts';
import { l2EntryOf, withU64 } from '../support/images.ts';

const KIB = 1024;
const MIB = 1024 * KIB;
const L1_OFFSET = 0x10000;
const L2_OFFSET = 0x60000;

/** An 8 MiB image holding 0xaa at [0, 64K) and 0xbb at [64K, 192K), closed; its bytes. */
function twoWrites(): Uint8Array {
  const file = new MemoryFile();
  const image = QedImage.create(file, { size: 8 * MIB });
  image.write(0, new Uint8Array(64 * KIB).fill(0xaa));
  image.write(64 * KIB, new Uint8Array(128 * KIB).fill(0xbb));
  image.close();
  return file.snapshot();
}

describe('a file cut short', () => {
  it('turns entries past its end into zero clusters before growing, so nothing is cross-linked (QEMU 7.2 defect 7)', () => {
    const cut = twoWrites().slice(0, 0xb8000); // the cluster at 0xb0000 (guest 128K) is now partial
    const file = new MemoryFile(cut);
    const image = QedImage.open(file);
    expect(image.read(128 * KIB, 64 * KIB).every((byte) => byte === 0)).toBe(true);
    image.write(MIB, new Uint8Array(64 * KIB).fill(0xcc));
    expect(image.read(MIB, 64 * KIB).every((byte) => byte === 0xcc)).toBe(true);
    expect(image.read(128 * KIB, 64 * KIB).every((byte) => byte === 0)).toBe(true);
    expect(image.read(0, 64 * KIB).every((byte) => byte === 0xaa)).toBe(true);
    expect(image.read(64 * KIB, 64 * KIB).every((byte) => byte === 0xbb)).toBe(true);
    expect(image.check()).toMatchObject({ corruptions: 0, leaks: 0 });
    expect(l2EntryOf(file.snapshot(), L1_OFFSET, 0, 2)).toBe(1);
    // The new cluster took the partial final cluster's place: the file grew by less than one cluster.
    expect(file.getSize()).toBe(0xb0000 + 64 * KIB);
    image.close();
  });
});

describe('an L2 entry far past the end of the file', () => {
  it('reads as zeros and does not move the allocation pointer: a small write grows the file by its cluster only', () => {
    const damaged = withU64(twoWrites(), L2_OFFSET + 8 * 100, 1n << 45n);
    const file = new MemoryFile(damaged);
    const image = QedImage.open(file);
    const sizeBefore = file.getSize();
    expect(image.read(100 * 64 * KIB, 4 * KIB).every((byte) => byte === 0)).toBe(true);
    image.write(4 * MIB - 4 * KIB, new Uint8Array(10).fill(0xdd)); // guest cluster 63: same table
    expect(file.getSize()).toBe(sizeBefore + 64 * KIB);
    expect(image.read(4 * MIB - 4 * KIB, 10).every((byte) => byte === 0xdd)).toBe(true);
    expect(image.read(100 * 64 * KIB, 4 * KIB).every((byte) => byte === 0)).toBe(true);
    expect(image.check()).toMatchObject({ corruptions: 0 });
    image.close();
  });
});

describe('an L1 entry naming a table past the end of the file', () => {
  const damaged = (): Uint8Array => withU64(twoWrites(), L1_OFFSET + 8 * 3, 0x200000n); // slot 3: guest [6M, 8M)

  it('refuses allocating writes with a QedCorruptionError that says to repair, and grows nothing', () => {
    const file = new MemoryFile(damaged());
    const image = QedImage.open(file);
    const sizeBefore = file.getSize();
    expect(() => image.write(2 * MIB, new Uint8Array(512).fill(1))).toThrow(QedCorruptionError);
    expect(() => image.write(2 * MIB, new Uint8Array(512).fill(1))).toThrow(/repair/);
    expect(file.getSize()).toBe(sizeBefore);
    image.write(0, new Uint8Array(512).fill(0xee)); // overwriting allocated data allocates nothing
    expect(image.read(0, 512).every((byte) => byte === 0xee)).toBe(true);
    image.close();
  });

  it('takes new data once a repair has cleared the entry, without cross-links', () => {
    const image = QedImage.open(new MemoryFile(damaged()));
    expect(image.check({ repair: true })).toMatchObject({ corruptions: 0, corruptionsFixed: 1 });
    image.write(2 * MIB, new Uint8Array(512).fill(1));
    image.write(6 * MIB, new Uint8Array(512).fill(2));
    expect(image.read(2 * MIB, 512).every((byte) => byte === 1)).toBe(true);
    expect(image.read(6 * MIB, 512).every((byte) => byte === 2)).toBe(true);
    expect(image.check()).toMatchObject({ corruptions: 0, leaks: 0 });
    image.close();
  });
});
