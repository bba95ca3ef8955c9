/**
 * Fuzz cases that once failed, kept by name. Each is its seed image with the bytes the mutation
 * changed, written out, so the case stays what it was whatever becomes of the fuzzer's generator.
 */
import { statSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeFile, QedImage } from '../../src/node.ts';
import { qemuCheck, qemuIo } from '../interop/qemu.ts';
import { makeScratch } from '../interop/scratch.ts';
import { qemuSeeds } from './seeds.ts';

const scratch = makeScratch('fuzz-regressions');
afterAll(() => scratch.remove());

/** Seed image `name` with each `[offset, value]` of `changes` applied. */
function mutatedSeed(name: string, changes: ReadonlyArray<readonly [number, number]>): Uint8Array {
  const seed = qemuSeeds().find((image) => image.name === name);
  if (!seed) throw new Error(`no seed image ${name}`);
  const bytes = seed.bytes.slice();
  for (const [offset, value] of changes) bytes[offset] = value;
  return bytes;
}

describe('fuzz case 782003348314 (issue 19): a damaged small.qed whose one write grew the file to 2.8 GB', () => {
  // Case 2311 of fuzz(seeds, 5000, 782001): "L2[0][32] changed; L2[0][63] changed; random byte at 56555".
  const bytes = mutatedSeed('qemu:small.qed', [[33024, 62], [33025, 20], [33273, 208], [56555, 171]]);
  const offset = 1382329;
  const data = new Uint8Array(222023).fill(0x78);

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
      qemuIo(theirs, [`write -q -P 0x78 ${offset} ${data.byteLength}`]);
      const image = QedImage.open(NodeFile.open(ours, 'readwrite'));
      if (repairFirst) image.check({ repair: true });
      image.write(offset, data);
      expect(image.read(offset, data.byteLength)).toEqual(data);
      image.close();
      expect(statSync(theirs).size).toBe(286720);
      expect(statSync(ours).size).toBeLessThanOrEqual(statSync(theirs).size);
      // The write leaked nothing: whatever leaks QEMU counts were there before it.
      expect(qemuCheck(ours).leaks ?? 0).toBeLessThanOrEqual(2);
    });
  }
});
