import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import type { BackingSpec } from '../../src/engine/types.ts';
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

/** A base image's files and what its virtual disk reads as. */
interface Base {
  files: Record<string, MemoryFile>;
  name: string;
  format: 'raw' | 'qed';
}

/**
 * The base under an overlay of `size` bytes, shorter than the overlay (reads past its end must
 * come back as zeros): `raw`, a raw file; `qed`, a standalone QED image (no backing file of its
 * own) with data, zero clusters and holes; `chain`, a QED image over a raw file.
 */
function makeBase(size: number, backing: Exclude<BackingKind, 'none'>): Base {
  const baseSize = Math.floor((size * 2) / 3 / 512) * 512;
  if (backing === 'raw') return { files: { 'base.raw': new MemoryFile(pattern(baseSize + 100, 99)) }, name: 'base.raw', format: 'raw' };
  const files: Record<string, MemoryFile> = {};
  let below: BackingSpec | undefined;
  if (backing === 'chain') {
    files['base.raw'] = new MemoryFile(pattern(baseSize + 100, 99));
    below = { name: 'base.raw', format: 'raw' };
  }
  const qedFile = new MemoryFile();
  const qed = QedImage.create(qedFile, { size: baseSize, clusterSize: 64 * KIB, ...(below ? { backing: below } : {}), resolveBacking: memoryResolver(files) });
  qed.write(0, pattern(Math.floor(baseSize / 4), 98));
  qed.write(Math.floor(size / 3), pattern(200 * KIB, 7));
  qed.writeZeroes(0, 128 * KIB);
  qed.close();
  files['base.qed'] = qedFile;
  return { files, name: 'base.qed', format: 'qed' };
}

/** Builds a disk with the requested backing arrangement. */
function makeDisk(geometry: (typeof geometries)[number], backing: BackingKind): ModelledDisk {
  const { clusterSize, tableSize, size } = geometry;
  if (backing === 'none') {
    const file = new MemoryFile();
    return new ModelledDisk(file, QedImage.create(file, { size, clusterSize, tableSize }), null, undefined);
  }
  const { files, name, format } = makeBase(size, backing);
  const resolver = memoryResolver(files);
  // What the base shows, read independently of the overlay under test.
  const reference = format === 'raw' ? null : QedImage.open(new MemoryFile(files[name]!.snapshot()), { readOnly: true, resolveBacking: resolver });
  const visible = reference ? reference.read(0, Math.min(reference.size, size)) : files[name]!.snapshot();
  reference?.close();
  const file = new MemoryFile();
  const image = QedImage.create(file, { size, clusterSize, tableSize, backing: { name, format }, resolveBacking: resolver });
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

  it('matches the model through a two-level backing chain (QED over raw under the overlay)', () => {
    fc.assert(
      fc.property(fc.array(operation, { minLength: 1, maxLength: 25 }), (operations) => {
        const disk = makeDisk(geometries[0], 'chain');
        for (const op of operations) disk.apply(op);
        disk.verifyAll();
        expect(disk.image.check()).toMatchObject({ corruptions: 0, leaks: 0 });
        disk.image.close();
      }),
      { numRuns: 25 },
    );
  });
});
