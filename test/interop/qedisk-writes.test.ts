/**
 * qedisk writes, QEMU reads: after seeded random workloads, `qemu-img check` finds a clean
 * image, `qemu-img compare` finds the model's bytes, and `qemu-img info` / `map` agree with
 * qedisk's own view.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapDifferences } from './map-compare.ts';
import { qemuCheck, qemuCompareWithRaw, qemuInfo, qemuMap } from './qemu.ts';
import { firstDifference, makeScratch, openQed } from './scratch.ts';
import { type WorkloadCase, type WorkloadResult, runWorkload, workloadLabel } from './workload.ts';

const K = 1024;
const M = 1024 * K;
const scratch = makeScratch('qedisk-writes');
afterAll(() => scratch.remove());

/** Geometries (cluster size, table size, starting size); each runs without, over raw and over QED backing. */
const GEOMETRIES: ReadonlyArray<readonly [number, number, number]> = [
  [4 * K, 2, 9 * M + 512], // L2 tables map 4 MiB: writes cross tables
  [8 * K, 4, 5 * M - 512],
  [64 * K, 4, 6 * M + 1536],
  [256 * K, 8, 7 * M + 512],
  [1 * M, 2, 6 * M + 512],
];
const CASES: WorkloadCase[] = GEOMETRIES.flatMap(([clusterSize, tableSize, size], g) =>
  (['none', 'raw', 'qed'] as const).map((backing, b) => ({ clusterSize, tableSize, size, backing, seed: 7001 + 10 * g + b })),
);

describe('QEMU reads images that qedisk wrote', () => {
  CASES.forEach((c, index) => {
    describe(`after a random workload on a ${workloadLabel(c)}`, () => {
      let result: WorkloadResult | undefined;
      const done = (): WorkloadResult => {
        if (!result) throw new Error('workload did not run');
        return result;
      };
      beforeAll(() => {
        result = runWorkload(scratch, c, `w${index}`);
      });
      afterAll(() => {
        result = undefined;
      });

      it('reads back the model with qedisk after reopening', () => {
        const { path, model } = done();
        const image = openQed(path, true);
        try {
          expect(firstDifference(image.read(0, image.size), model)).toBeNull();
        } finally {
          image.close();
        }
      });

      it('passes qemu-img check with no corruption, and leaks only where discards dropped data, counting as qedisk does', () => {
        const { path, discardedClusters } = done();
        const qemu = qemuCheck(path);
        expect(qemu).toMatchObject({ corruptions: 0, checkErrors: 0 });
        expect(qemu.leaks).toBeLessThanOrEqual(discardedClusters);
        expect(qemu.status).toBe(qemu.leaks === 0 ? 0 : 3);
        const image = openQed(path, true);
        try {
          expect(image.check()).toMatchObject({
            corruptions: 0,
            leaks: qemu.leaks,
            allocatedClusters: qemu.allocatedClusters,
            fragmentedClusters: qemu.fragmentedClusters,
            totalClusters: qemu.totalClusters,
          });
        } finally {
          image.close();
        }
      });

      it('holds the model bytes according to qemu-img compare', () => {
        const { path, model } = done();
        const rawPath = scratch.path(`w${index}-model.raw`);
        writeFileSync(rawPath, model);
        expect(qemuCompareWithRaw(path, rawPath)).toBe(0);
        if (index === 0) {
          // Control: the comparison does notice a single changed byte.
          const changed = model.slice();
          const last = changed.byteLength - 1;
          changed[last] = (changed[last] ?? 0) ^ 0xff;
          writeFileSync(rawPath, changed);
          expect(qemuCompareWithRaw(path, rawPath)).toBe(1);
        }
      });

      it('agrees with qemu-img info on size, cluster size and backing file, and so does qedisk info()', () => {
        const { path, model, backingName } = done();
        const info = qemuInfo(path);
        expect(info.virtualSize).toBe(model.byteLength);
        expect(info.clusterSize).toBe(c.clusterSize);
        expect(info.backingFilename).toBe(backingName);
        expect(info.backingFilenameFormat).toBe(c.backing === 'raw' ? 'raw' : null);
        const image = openQed(path, true);
        try {
          expect(image.info()).toMatchObject({
            virtualSize: info.virtualSize,
            clusterSize: info.clusterSize,
            backingFile: info.backingFilename,
            backingFormat: info.backingFilenameFormat ?? (info.backingFilename === null ? null : 'probe'),
            needsCheck: false,
          });
        } finally {
          image.close();
        }
      });

      it('maps data and zero clusters where qemu-img map does', () => {
        const { path, model } = done();
        const image = openQed(path, true);
        let extents;
        try {
          extents = image.map();
        } finally {
          image.close();
        }
        expect(extents.some((extent) => extent.kind === 'data')).toBe(true);
        expect(mapDifferences(extents, qemuMap(path), model.byteLength)).toEqual([]);
      });
    });
  });
});
