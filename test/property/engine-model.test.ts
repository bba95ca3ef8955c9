import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import { memoryResolver, pattern } from '../support/images.ts';
import { ModelledDisk, type Operation } from './model.ts';

const KIB = 1024;
const MIB = 1024 * KIB;

/** Geometries chosen so that small images still cross L2 tables (4 KiB x 2 maps 4 MiB per table). */
const geometries = [
  { clusterSize: 4 * KIB, tableSize: 2, size: 9 * MIB + 512 },
  { clusterSize: 4 * KIB, tableSize: 16, size: 5 * MIB + 3 * 512 },
  { clusterSize: 8 * KIB, tableSize: 4, size: 3 * MIB },
  { clusterSize: 64 * KIB, tableSize: 4, size: 6 * MIB + 512 },
] as const;

type BackingKind = 'none' | 'raw' | 'qed' | 'chain';

/** A uniform fraction in [0, 1] (fc.double clusters near 0, which would make every request empty). */
const fraction = fc.integer({ min: 0, max: 1 << 20 }).map((n) => n / (1 << 20));
const shape = fc.constantFrom('any' as const, 'cluster' as const, 'hot' as const);
const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('write' as const), offset: fraction, length: fraction, seed: fc.nat(), shape }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('zero' as const), offset: fraction, length: fraction, shape }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('read' as const), offset: fraction, length: fraction, shape }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('resize' as const), grow: fc.integer({ min: 0, max: 4000 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'crash' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'flush' as const }) },
);

/** Builds a disk with the requested backing arrangement. */
function makeDisk(geometry: (typeof geometries)[number], backing: BackingKind): ModelledDisk {
  const { clusterSize, tableSize, size } = geometry;
  if (backing === 'none') {
    const file = new MemoryFile();
    return new ModelledDisk(file, QedImage.create(file, { size, clusterSize, tableSize }), null, undefined);
  }
  // The base is shorter than the overlay, so reads past its end must come back as zeros.
  const baseBytes = pattern(Math.floor((size * 2) / 3 / 512) * 512 + 100, 99);
  const files: Record<string, MemoryFile> = { 'base.raw': new MemoryFile(baseBytes) };
  let name = 'base.raw';
  let format: 'raw' | 'qed' = 'raw';
  if (backing === 'qed' || backing === 'chain') {
    const middleFile = new MemoryFile();
    const middle = QedImage.create(middleFile, { size, clusterSize: 64 * KIB, backing: { name, format }, resolveBacking: memoryResolver(files) });
    middle.write(Math.floor(size / 3), pattern(200 * KIB, 7));
    middle.writeZeroes(0, 128 * KIB);
    middle.close();
    files['middle.qed'] = middleFile;
    name = 'middle.qed';
    format = 'qed';
  }
  const resolver = memoryResolver(files);
  let visible = baseBytes;
  if (format === 'qed') {
    const reference = QedImage.open(new MemoryFile(files[name]!.snapshot()), { readOnly: true, resolveBacking: resolver });
    visible = reference.read(0, Math.min(reference.size, size));
    reference.close();
  }
  const file = new MemoryFile();
  const image = QedImage.create(file, { size, clusterSize, tableSize, backing: { name, format: format === 'qed' ? 'qed' : 'raw' }, resolveBacking: resolver });
  return new ModelledDisk(file, image, visible, resolver);
}

describe('QedImage against a byte-array model', () => {
  for (const geometry of geometries) {
    for (const backing of ['none', 'raw', 'qed'] as const) {
      it(`matches the model for ${geometry.clusterSize / KIB} KiB clusters, table size ${geometry.tableSize}, backing ${backing}`, () => {
        fc.assert(
          fc.property(fc.array(operation, { minLength: 1, maxLength: 25 }), (operations) => {
            const disk = makeDisk(geometry, backing);
            for (const op of operations) disk.apply(op);
            disk.verifyAll();
            const report = disk.image.check();
            expect(report.corruptions).toBe(0);
            expect(report.leaks).toBe(0);
            disk.image.close();
          }),
          { numRuns: 25 },
        );
      });
    }
  }

  it('matches the model through a two-level backing chain', () => {
    fc.assert(
      fc.property(fc.array(operation, { minLength: 1, maxLength: 25 }), (operations) => {
        const disk = makeDisk(geometries[0], 'chain');
        for (const op of operations) disk.apply(op);
        disk.verifyAll();
        disk.image.close();
      }),
      { numRuns: 25 },
    );
  });
});
