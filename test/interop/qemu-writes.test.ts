/**
 * QEMU writes, qedisk reads: for every image of the grid, every byte qedisk reads equals what
 * `qemu-img convert -O raw` produces, whole and through oddly shaped requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QedImage } from '../../src/node.ts';
import { GRID_IMAGES, bytesPerL2Table, gridLabel, makeGridImage, writeNoiseFiles } from './qemu-grid.ts';
import { Rng } from './prng.ts';
import { qemuInfo, qemuReadAll } from './qemu.ts';
import { firstDifference, makeScratch, openQed } from './scratch.ts';

const scratch = makeScratch('qemu-writes');
beforeAll(() => writeNoiseFiles(scratch));
afterAll(() => scratch.remove());

/** Reads `[offset, offset + length)` with qedisk and compares it with the same slice of `expected`. */
function expectSlice(image: QedImage, expected: Uint8Array, offset: number, length: number): void {
  const difference = firstDifference(image.read(offset, length), expected.subarray(offset, offset + length), offset);
  expect(difference, `read(${offset}, ${length})`).toBeNull();
}

describe('qedisk reads images that qemu-io wrote', () => {
  GRID_IMAGES.forEach((grid, index) => {
    describe(`a ${gridLabel(grid)}`, () => {
      let expected: Uint8Array = new Uint8Array(0);
      let image: QedImage | undefined;
      const opened = (): QedImage => {
        if (!image) throw new Error('image not prepared');
        return image;
      };
      beforeAll(() => {
        const path = makeGridImage(scratch, grid, index);
        expected = qemuReadAll(path, scratch.path(`grid-${index}.raw`));
        image = openQed(path, true);
        expect(qemuInfo(path).virtualSize).toBe(expected.byteLength);
      });
      afterAll(() => {
        image?.close();
        expected = new Uint8Array(0);
      });

      it('has the virtual size qemu-img reports', () => {
        expect(opened().size).toBe(expected.byteLength);
      });

      it('reads every byte as qemu-img convert does', () => {
        expect(firstDifference(opened().read(0, opened().size), expected)).toBeNull();
      });

      it(`serves unaligned, cluster- and table-crossing requests alike (seed ${index})`, () => {
        const disk = opened();
        const rng = new Rng(index);
        const cs = grid.clusterSize;
        for (let offset = rng.int(0, 512); offset < disk.size; ) {
          const length = Math.min(disk.size - offset, rng.int(1, Math.floor(2.5 * cs)));
          expectSlice(disk, expected, offset, length);
          offset += length;
        }
        const span = bytesPerL2Table(cs, grid.tableSize);
        for (let boundary = span; boundary < disk.size; boundary += span) {
          const start = Math.max(0, boundary - 777);
          expectSlice(disk, expected, start, Math.min(disk.size, boundary + 1234) - start);
        }
      });

      it('fills a subarray target in place without touching its neighbours', () => {
        const disk = opened();
        const cs = grid.clusterSize;
        const offset = Math.max(0, Math.min(disk.size - cs, cs - 3));
        const length = Math.min(cs, disk.size - offset);
        const target = new Uint8Array(length + 100).fill(0xee);
        disk.readInto(offset, target.subarray(50, 50 + length));
        expect(firstDifference(target.subarray(50, 50 + length), expected.subarray(offset, offset + length), offset)).toBeNull();
        expect(target.subarray(0, 50).every((byte) => byte === 0xee)).toBe(true);
        expect(target.subarray(50 + length).every((byte) => byte === 0xee)).toBe(true);
      });
    });
  });
});
