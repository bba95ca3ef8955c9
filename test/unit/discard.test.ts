/**
 * `discard`: whole clusters that hold data stop referencing it and read as zeros (a zero cluster
 * over a backing file, unallocated without one); everything else stays as it was. Checked on
 * fixed cases and against a model of every cluster's state and bytes (fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { compactImageFile } from '../../src/engine/compact.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import type { ExtentKind } from '../../src/engine/types.ts';
import { QedRangeError, QedReadOnlyError } from '../../src/qed/errors.ts';
import { l2EntryOf, memoryResolver, pattern } from '../support/images.ts';

const KIB = 1024;
const MIB = 1024 * KIB;
const CS = 4 * KIB;

describe('QedImage.discard', () => {
  it('makes whole data clusters unallocated without a backing file, and leaves partial clusters alone', () => {
    const file = new MemoryFile();
    const image = QedImage.create(file, { size: 8 * MIB });
    image.write(0, pattern(192 * KIB, 1));
    image.discard(1000, 128 * KIB); // whole: [64K, 128K); partial: [1000, 64K) and [128K, 129K+...)
    const expected = pattern(192 * KIB, 1);
    expected.fill(0, 64 * KIB, 128 * KIB);
    expect(Buffer.compare(image.read(0, 192 * KIB), expected)).toBe(0);
    image.flush();
    expect(l2EntryOf(file.snapshot(), 0x10000, 0, 1)).toBe(0);
    expect(image.check()).toMatchObject({ corruptions: 0, leaks: 1, allocatedClusters: 2 });
    expect(image.info().allocatedBytes).toBe(128 * KIB);
    image.close();
  });

  it('makes whole data clusters zero clusters over a backing file, so the backing data stays hidden', () => {
    const base = pattern(4 * MIB, 2);
    const resolveBacking = memoryResolver({ 'base.raw': new MemoryFile(base) });
    const file = new MemoryFile();
    const image = QedImage.create(file, { backing: { name: 'base.raw', format: 'raw' }, resolveBacking });
    image.write(64 * KIB, pattern(64 * KIB, 3));
    image.discard(0, 256 * KIB);
    const expected = base.slice(0, 256 * KIB);
    expected.fill(0, 64 * KIB, 128 * KIB); // the data cluster: zeros; unallocated clusters still show the base
    expect(Buffer.compare(image.read(0, 256 * KIB), expected)).toBe(0);
    expect(l2EntryOf(file.snapshot(), 0x10000, 0, 1)).toBe(1);
    expect(image.map().slice(0, 3)).toEqual([
      { start: 0, length: 64 * KIB, kind: 'unallocated', fromBacking: true },
      { start: 64 * KIB, length: 64 * KIB, kind: 'zero' },
      { start: 128 * KIB, length: 4 * MIB - 128 * KIB, kind: 'unallocated', fromBacking: true },
    ]);
    image.close();
  });

  it('writes no data and never allocates (a range with no table is a no-op)', () => {
    const file = new MemoryFile();
    const image = QedImage.create(file, { size: 8 * MIB });
    const size = file.getSize();
    image.discard(0, 8 * MIB);
    expect(file.getSize()).toBe(size);
    image.close();
  });

  it('refuses ranges outside the disk and read-only images', () => {
    const file = new MemoryFile();
    QedImage.create(file, { size: MIB }).close();
    const image = QedImage.open(new MemoryFile(file.snapshot()));
    expect(() => image.discard(MIB - 512, 1024)).toThrow(QedRangeError);
    image.close();
    const readOnly = QedImage.open(new MemoryFile(file.snapshot()), { readOnly: true });
    expect(() => readOnly.discard(0, 512)).toThrow(QedReadOnlyError);
    readOnly.close();
  });
});

/** One operation of the model test, on a 40-cluster disk whose size ends inside a cluster. */
type Op = { kind: 'write' | 'zero' | 'discard'; first: number; length: number; seed: number; aligned: boolean };

/** What the model knows of a cluster: the `map()` kind it must have. */
type State = ExtentKind;

const SIZE = 40 * CS - 1536;
const op: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom<Op['kind']>('write', 'zero', 'discard', 'discard'),
  first: fc.integer({ min: 0, max: SIZE - 1 }),
  length: fc.integer({ min: 1, max: 6 * CS }),
  seed: fc.integer({ min: 1, max: 1e6 }),
  aligned: fc.boolean(),
});

/** The whole clusters of `[offset, end)` (the partial last cluster of the disk counts as whole). */
function wholeClusters(offset: number, end: number): [number, number] {
  const first = Math.ceil(offset / CS);
  const last = end === SIZE ? Math.ceil(SIZE / CS) : Math.floor(end / CS);
  return [first, Math.max(first, last)];
}

describe('discard against a model of cluster states', () => {
  for (const backing of [false, true]) {
    it(`keeps bytes and cluster kinds as the model says, and compacts to the same bytes (${backing ? 'over a raw backing file' : 'no backing file'})`, () => {
      fc.assert(
        fc.property(fc.array(op, { minLength: 1, maxLength: 25 }), (ops) => {
          const base = pattern(SIZE - 3 * CS, 77);
          const resolveBacking = memoryResolver({ 'base.raw': new MemoryFile(base) });
          const file = new MemoryFile();
          const image = QedImage.create(file, { size: SIZE, clusterSize: CS, tableSize: 2, ...(backing ? { backing: { name: 'base.raw', format: 'raw' as const }, resolveBacking } : {}) });
          const model = new Uint8Array(SIZE);
          if (backing) model.set(base);
          const states: State[] = Array.from({ length: Math.ceil(SIZE / CS) }, () => 'unallocated');
          for (const { kind, first, length: rawLength, seed, aligned } of ops) {
            const offset = aligned ? first - (first % CS) : first;
            const length = Math.min(rawLength, SIZE - offset);
            const end = offset + length;
            const [wholeFirst, wholeEnd] = wholeClusters(offset, end);
            if (kind === 'write') {
              const data = pattern(length, seed);
              image.write(offset, data);
              model.set(data, offset);
              for (let c = Math.floor(offset / CS); c < Math.ceil(end / CS); c++) states[c] = 'data';
            } else if (kind === 'zero') {
              image.writeZeroes(offset, length);
              model.fill(0, offset, end);
              for (let c = Math.floor(offset / CS); c < Math.ceil(end / CS); c++) {
                const whole = c >= wholeFirst && c < wholeEnd;
                if (!whole) states[c] = 'data';
                else if (states[c] !== 'data') states[c] = 'zero';
              }
            } else {
              image.discard(offset, length);
              for (let c = wholeFirst; c < wholeEnd; c++) {
                if (states[c] !== 'data') continue;
                states[c] = backing ? 'zero' : 'unallocated';
                model.fill(0, c * CS, Math.min(SIZE, (c + 1) * CS));
              }
            }
          }
          expect(Buffer.compare(image.read(0, SIZE), model)).toBe(0);
          const kinds: State[] = [];
          for (const extent of image.map()) for (let at = extent.start; at < extent.start + extent.length; at += CS) kinds.push(extent.kind);
          expect(kinds).toEqual(states);
          expect(image.check()).toMatchObject({ corruptions: 0 });
          image.close();
          const compacted = new MemoryFile();
          compactImageFile(new MemoryFile(file.snapshot()), compacted);
          const reopened = QedImage.open(compacted, { readOnly: true, resolveBacking });
          expect(Buffer.compare(reopened.read(0, SIZE), model)).toBe(0);
          expect(reopened.check()).toMatchObject({ corruptions: 0, leaks: 0 });
          reopened.close();
        }),
        { numRuns: 60, seed: 16 },
      );
    });
  }
});
