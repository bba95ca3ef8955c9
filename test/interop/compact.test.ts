/**
 * Compaction judged by QEMU: images written by QEMU (with leaks, zero writes and data clusters of
 * zeros, over raw and QED backing files) and by qedisk's random workloads (with discards) are
 * compacted by qedisk; `qemu-img check` then finds no leak, no fragmentation and no corruption,
 * `qemu-img compare` finds the same guest bytes as before, and the file is never larger than
 * what `qemu-img convert -O qed -B` (the same overlay copied by QEMU) makes of it.
 */
import { copyFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeFile, compactImageFile } from '../../src/node.ts';
import { qemuCheck, qemuCompareWithRaw, qemuCreate, qemuImg, qemuIo, qemuMap } from './qemu.ts';
import { Rng } from './prng.ts';
import { makeScratch } from './scratch.ts';
import { runWorkload } from './workload.ts';

const K = 1024;
const M = 1024 * K;
const scratch = makeScratch('compact');
beforeAll(() => {
  writeFileSync(scratch.path('base.raw'), new Rng(16).bytes(6 * M));
  qemuCreate(scratch.path('base.qed'), { size: 6 * M, clusterSize: 4 * K, tableSize: 2 });
  qemuIo(scratch.path('base.qed'), ['write -q -P 0x5b 0 300k', 'write -q -z 1M 64k']);
});
afterAll(() => scratch.remove());

/** Compacts `path` into `${path}.compact` with qedisk and returns the new path. */
function compactWithQedisk(path: string): { path: string; report: ReturnType<typeof compactImageFile> } {
  const out = `${path}.compact`;
  const source = NodeFile.open(path, 'read');
  const target = NodeFile.open(out, 'create');
  try {
    return { path: out, report: compactImageFile(source, target) };
  } finally {
    source.close();
    target.close();
  }
}

/** Images made with qemu-img and qemu-io: geometry, backing, the qemu-io commands, and bytes of garbage appended (leaks). */
const QEMU_IMAGES = [
  { name: 'no backing, zero writes and zero data, 64K/ts4', clusterSize: 64 * K, tableSize: 4, size: 32 * M, io: ['write -q -P 0x11 0 3M', 'write -q -z 1M 512k', 'write -q -P 0 5M 1M', 'write -q -P 0x22 20M 4k'], tail: 5 * 64 * K + 333 },
  { name: 'over a raw backing file, 4K/ts2 across L2 tables', clusterSize: 4 * K, tableSize: 2, size: 6 * M, backing: { name: 'base.raw', format: 'raw' as const }, io: ['write -q -P 0x33 3M 2M', 'write -q -P 0 1M 64k', 'write -q -z 4200k 8k'], tail: 7 * 4 * K },
  { name: 'over a QED backing file, 8K/ts8', clusterSize: 8 * K, tableSize: 8, size: 6 * M, backing: { name: 'base.qed', format: 'qed' as const }, io: ['write -q -P 0x44 100k 900k', 'write -q -P 0 2M 256k', 'write -q -z 0 16k'], tail: 0 },
];

describe('qedisk compaction of images QEMU wrote', () => {
  QEMU_IMAGES.forEach((spec, index) => {
    it(`gives a clean, unfragmented image with the same guest bytes: ${spec.name}`, () => {
      const path = scratch.path(`q${index}.qed`);
      qemuCreate(path, { size: spec.size, clusterSize: spec.clusterSize, tableSize: spec.tableSize, ...(spec.backing ? { backing: spec.backing } : {}) });
      qemuIo(path, spec.io);
      if (spec.tail > 0) truncateSync(path, statSync(path).size + spec.tail);
      const before = qemuCheck(path);
      const { path: out, report } = compactWithQedisk(path);
      expect(report.zeroClustersDropped).toBeGreaterThan(0);
      expect(report.leakedClustersDropped).toBe(before.leaks);
      expect(qemuCheck(out)).toMatchObject({ status: 0, corruptions: 0, leaks: 0, fragmentedClusters: 0 });
      expect(qemuImg(['compare', '-f', 'qed', '-F', 'qed', path, out], [0, 1]).status).toBe(0);
      expect(qemuImg(['info', '--output=json', out]).stdout).toContain(spec.backing ? `"backing-filename": "${spec.backing.name}"` : '"virtual-size"');
      // QEMU's own copy of the same overlay (backing kept with -B): never smaller than ours.
      const theirs = scratch.path(`q${index}-convert.qed`);
      qemuImg(['convert', '-f', 'qed', '-O', 'qed', ...(spec.backing ? ['-B', spec.backing.name, '-F', spec.backing.format] : []), '-o', `cluster_size=${spec.clusterSize},table_size=${spec.tableSize}`, path, theirs]);
      expect(qemuImg(['compare', '-f', 'qed', '-F', 'qed', theirs, out], [0, 1]).status).toBe(0);
      expect(statSync(out).size).toBeLessThanOrEqual(statSync(theirs).size);
      // Zero clusters stay zero over a backing file: the map shows no backing data where the overlay had zeros.
      const zeroOverBacking = qemuMap(out).some((extent) => extent.zero && extent.depth === 0 && !extent.data);
      if (spec.backing) expect(zeroOverBacking).toBe(true);
    });
  });

  it('compacts an already compact image to the same bytes', () => {
    const path = scratch.path('q0.qed.compact');
    copyFileSync(path, scratch.path('again.qed'));
    const { path: out, report } = compactWithQedisk(scratch.path('again.qed'));
    expect(report).toMatchObject({ zeroClustersDropped: 0, leakedClustersDropped: 0, bytesAfter: report.bytesBefore });
    expect(qemuImg(['compare', '-f', 'qed', '-F', 'qed', path, out], [0, 1]).status).toBe(0);
  });
});

describe('qedisk compaction of images qedisk wrote with discards', () => {
  const cases = [
    // Seeds whose discards hit data clusters (most random discards land on clusters without data).
    { clusterSize: 4 * K, tableSize: 2, size: 9 * M + 512, backing: 'none' as const, seed: 1602 },
    { clusterSize: 64 * K, tableSize: 4, size: 6 * M + 1536, backing: 'raw' as const, seed: 1602 },
    { clusterSize: 8 * K, tableSize: 4, size: 5 * M - 512, backing: 'qed' as const, seed: 1614 },
  ];
  cases.forEach((c, index) => {
    it(`leaves no leak and holds the model bytes (${c.clusterSize / K}K/ts${c.tableSize}, backing ${c.backing})`, () => {
      const result = runWorkload(scratch, c, `w${index}`);
      expect(result.discardedClusters).toBeGreaterThan(0);
      const { path: out, report } = compactWithQedisk(result.path);
      expect(report.leakedClustersDropped).toBe(qemuCheck(result.path).leaks);
      expect(qemuCheck(out)).toMatchObject({ status: 0, corruptions: 0, leaks: 0 });
      const raw = scratch.path(`w${index}-model.raw`);
      writeFileSync(raw, result.model);
      expect(qemuCompareWithRaw(out, raw)).toBe(0);
    });
  });
});
