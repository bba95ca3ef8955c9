/**
 * Fuzz cases that once failed, kept by name. Each regenerates its image from the seed images and
 * the case seed exactly as the fuzzer does, so the case stays what it was.
 */
import { statSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeFile, QedImage } from '../../src/node.ts';
import { qemuCheck, qemuIo } from '../interop/qemu.ts';
import { makeScratch } from '../interop/scratch.ts';
import { prng } from '../reliability/workload.ts';
import { mutate } from './mutate.ts';
import { qediskSeeds, qemuSeeds } from './seeds.ts';

const scratch = makeScratch('fuzz-regressions');
afterAll(() => scratch.remove());

/** The image of case `index` of `fuzz(seeds, count, seed)`, and the mutation that made it. */
function fuzzCaseImage(runSeed: number, index: number): { bytes: Uint8Array; what: string } {
  const seeds = [...qemuSeeds(), ...qediskSeeds()];
  const source = seeds[index % seeds.length]!;
  const mutated = mutate(source.bytes, prng(runSeed * 1_000_003 + index));
  return { bytes: mutated.bytes, what: `${source.name}: ${mutated.what}` };
}

describe('fuzz case 782003348314 (issue 19): a damaged small.qed whose one write grew the file to 2.8 GB', () => {
  const { bytes, what } = fuzzCaseImage(782001, 2311);
  const offset = 1382329;
  const data = new Uint8Array(222023).fill(0x78);

  it('is the image the issue describes', () => {
    expect(what).toBe('qemu:small.qed: L2[0][32] changed; L2[0][63] changed; random byte at 56555');
    expect(bytes.byteLength).toBe(61440);
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
