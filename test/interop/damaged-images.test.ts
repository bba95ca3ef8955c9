/**
 * Damaged images: qedisk's check counts exactly what `qemu-img check` counts, and qedisk's
 * repair leaves the file exactly as `qemu-img check -r all` does, except that it then cuts
 * unreferenced clusters off the end of the file (QEMU never gives leaked space back).
 */
import { copyFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CheckReport, QedCorruptionError } from '../../src/node.ts';
import { BASE_IMAGES, DAMAGES, type Layout, makeBaseImage, readLayout } from './damages.ts';
import { type QemuCheckReport, qemuCheck, qemuReadAll, qemuTryReadAll } from './qemu.ts';
import { fileBytes, firstDifference, makeScratch, openQed } from './scratch.ts';

const scratch = makeScratch('damaged');
afterAll(() => scratch.remove());

/** The counters both checkers report, from qedisk's report. */
function counters(report: CheckReport): Omit<QemuCheckReport, 'status'> {
  const { corruptions, corruptionsFixed, leaks, checkErrors, allocatedClusters, fragmentedClusters, totalClusters } = report;
  return { corruptions, corruptionsFixed, leaks, checkErrors, allocatedClusters, fragmentedClusters, totalClusters };
}

/** The same counters from QEMU's report, without the exit code. */
function qemuCounters(report: QemuCheckReport): Omit<QemuCheckReport, 'status'> {
  const { status: _status, ...rest } = report;
  return rest;
}

/** The exit code qemu-img check would give for a qedisk report. */
function statusOf(report: CheckReport): number {
  if (report.checkErrors > 0) return 1;
  if (report.corruptions > 0) return 2;
  return report.leaks > 0 ? 3 : 0;
}

BASE_IMAGES.forEach((base, b) => {
  describe(`a clean ${base.label} image made by QEMU`, () => {
    const cleanPath = scratch.path(`base-${b}.qed`);
    let layout: Layout | undefined;
    let cleanBytes: Uint8Array = new Uint8Array(0);
    beforeAll(() => {
      makeBaseImage(cleanPath, base);
      layout = readLayout(cleanPath, base);
      cleanBytes = qemuReadAll(cleanPath, scratch.path(`base-${b}.raw`));
    });
    afterAll(() => {
      cleanBytes = new Uint8Array(0);
    });

    it('is clean for both checkers before any damage', () => {
      expect(qemuCheck(cleanPath).status).toBe(0);
      const image = openQed(cleanPath, true);
      try {
        expect(statusOf(image.check())).toBe(0);
      } finally {
        image.close();
      }
    });

    DAMAGES.forEach((damage, d) => {
      describe(`damaged with ${damage.name}`, () => {
        const path = scratch.path(`base-${b}-damage-${d}.qed`);
        let before: QemuCheckReport | undefined;
        beforeAll(() => {
          if (!layout) throw new Error('base image missing');
          copyFileSync(cleanPath, path);
          damage.apply(path, layout);
          before = qemuCheck(path);
        });

        it(`makes qemu-img check exit ${damage.status}`, () => {
          expect(before?.status).toBe(damage.status);
        });

        it('is counted by a read-only qedisk check exactly as qemu-img check counts it, file untouched', () => {
          const bytes = fileBytes(path);
          const image = openQed(path, true);
          let report: CheckReport;
          try {
            report = image.check();
          } finally {
            image.close();
          }
          expect(counters(report)).toEqual(before && qemuCounters(before));
          expect(statusOf(report)).toBe(before?.status);
          expect(firstDifference(fileBytes(path), bytes)).toBeNull();
        });

        it(damage.unreadable === undefined ? 'reads every byte as QEMU reads it' : 'reads as QEMU reads it, or as documented where QEMU fails', () => {
          const qemu = qemuTryReadAll(path, scratch.path(`base-${b}-damage-${d}.raw`));
          const image = openQed(path, true);
          try {
            if (qemu) {
              expect(firstDifference(image.read(0, image.size), qemu)).toBeNull();
            } else if (damage.unreadable === 'corruption-error') {
              expect(() => image.read(0, image.size)).toThrow(QedCorruptionError);
            } else {
              if (!damage.unreadable || !layout) throw new Error('QEMU should be able to read this image');
              const expected = cleanBytes.slice();
              const at = damage.unreadable.zeroCluster(layout);
              expected.fill(0, at, at + base.clusterSize);
              expect(firstDifference(image.read(0, image.size), expected)).toBeNull();
            }
          } finally {
            image.close();
          }
        });

        it('is repaired by qedisk as qemu-img check -r all repairs it, byte for byte, and then cut after its last used cluster', () => {
          const oursPath = scratch.path(`base-${b}-damage-${d}-qedisk.qed`);
          const theirsPath = scratch.path(`base-${b}-damage-${d}-qemu.qed`);
          copyFileSync(path, oursPath);
          copyFileSync(path, theirsPath);
          const theirs = qemuCheck(theirsPath, true);
          const image = openQed(oursPath, false);
          let ours: CheckReport;
          try {
            ours = image.check({ repair: true });
          } finally {
            image.close();
          }
          // QEMU never gives leaked clusters back; qedisk's repair cuts those at the end of the
          // file off (only when nothing unrepairable remains) and counts them as fixed.
          expect({ ...counters(ours), leaks: ours.leaks + ours.leaksFixed }).toEqual(qemuCounters(theirs));
          if (!damage.repairable && (before?.corruptions ?? 0) > 0) expect(ours.leaksFixed).toBe(0);
          if (damage.status === 3) expect(ours.leaksFixed).toBe(before?.leaks);
          const afterOurs = qemuCheck(oursPath);
          const afterTheirs = qemuCheck(theirsPath);
          const leaksLeft = afterTheirs.leaks - ours.leaksFixed;
          const statusLeft = afterTheirs.status === 3 && leaksLeft === 0 ? 0 : afterTheirs.status;
          expect(afterOurs).toEqual({ ...afterTheirs, leaks: leaksLeft, status: statusLeft });
          expect(afterOurs.corruptions).toBe(damage.repairable ? 0 : before?.corruptions);
          const oursBytes = fileBytes(oursPath);
          const theirsBytes = fileBytes(theirsPath);
          expect(oursBytes.byteLength).toBeLessThanOrEqual(theirsBytes.byteLength);
          expect(theirsBytes.byteLength - oursBytes.byteLength).toBeLessThan((ours.leaksFixed + 1) * base.clusterSize);
          expect(firstDifference(oursBytes, theirsBytes.subarray(0, oursBytes.byteLength))).toBeNull();
        });
      });
    });
  });
});
