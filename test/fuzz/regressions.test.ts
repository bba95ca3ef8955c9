/**
 * Fuzz cases that once failed, kept by name. Each is its seed image with the bytes the mutation
 * changed, written out, so the case stays what it was whatever becomes of the fuzzer's generator.
 */
import { statSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeFile, QedImage } from '../../src/node.ts';
import { qemuCheck, qemuIo } from '../interop/qemu.ts';
import { makeScratch } from '../interop/scratch.ts';
import { DANGLING_GROWTH_CASE as CASE, damagedImage } from './regression-cases.ts';

const scratch = makeScratch('fuzz-regressions');
afterAll(() => scratch.remove());

describe('fuzz case 782003348314 (issue 19): a damaged small.qed whose one write grew the file to 2.8 GB', () => {
  const bytes = damagedImage(CASE);
  const offset = CASE.writeOffset;
  const data = new Uint8Array(CASE.writeBytes).fill(CASE.writeFill);

  it('is the damaged image the issue describes: qemu-img check finds 2 corruptions and 2 leaks', () => {
    const path = scratch.path('as-found.qed');
    writeFileSync(path, bytes);
    expect(bytes.byteLength).toBe(61440);
    expect(qemuCheck(path)).toMatchObject({ corruptions: 2, leaks: 2 });
  });

  for (const repairFirst of [false, true]) {
    it(`leaves a file no larger than QEMU's after the same write${repairFirst ? ', both repaired first' : ''}`, () => {
      const ours = scratch.path(`ours-${repairFirst}.qed`);
      const theirs = scratch.path(`qemu-${repairFirst}.qed`);
      writeFileSync(ours, bytes);
      writeFileSync(theirs, bytes);
      if (repairFirst) qemuCheck(theirs, true);
      qemuIo(theirs, [`write -q -P ${CASE.writeFill} ${offset} ${data.byteLength}`]);
      const image = QedImage.open(NodeFile.open(ours, 'readwrite'));
      if (repairFirst) image.check({ repair: true });
      image.write(offset, data);
      expect(image.read(offset, data.byteLength)).toEqual(data);
      image.close();
      expect(statSync(theirs).size).toBe(CASE.qemuSizeAfterWrite);
      expect(statSync(ours).size).toBeLessThanOrEqual(statSync(theirs).size);
      // The write leaked nothing: whatever leaks QEMU counts were there before it.
      expect(qemuCheck(ours).leaks ?? 0).toBeLessThanOrEqual(2);
    });
  }
});
