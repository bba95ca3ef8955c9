/**
 * Fuzz cases that once failed, as data: each is a seed image with the bytes its mutation changed,
 * so the case stays what it was whatever becomes of the fuzzer's generator. Shared by the Node
 * regression tests and the browser spec that repeats a case through the page API.
 */
import { qemuSeeds } from './seeds.ts';

/** A kept fuzz case: seed image, changed bytes, and the write that misbehaved. */
export interface RegressionCase {
  /** The seed image's name in `qemuSeeds()`. */
  seed: string;
  /** `[file offset, new byte value]` pairs of the mutation. */
  changes: ReadonlyArray<readonly [number, number]>;
  /** Guest offset of the write, in bytes. */
  writeOffset: number;
  /** Length of the write, in bytes. */
  writeBytes: number;
  /** The byte the write fills its range with. */
  writeFill: number;
  /** Size in bytes QEMU's file has after `qemu-io write` of the same range (QEMU 7.2). */
  qemuSizeAfterWrite: number;
}

/**
 * Fuzz case 782003348314 (issue 19): case 2311 of `fuzz(seeds, 5000, 782001)`, "L2[0][32] changed;
 * L2[0][63] changed; random byte at 56555". One write once grew the file to 2.8 GB.
 */
export const DANGLING_GROWTH_CASE: RegressionCase = {
  seed: 'qemu:small.qed',
  changes: [[33024, 62], [33025, 20], [33273, 208], [56555, 171]],
  writeOffset: 1382329,
  writeBytes: 222023,
  writeFill: 0x78,
  qemuSizeAfterWrite: 286720,
};

/** The damaged image of `regression`: its seed with the changed bytes applied. */
export function damagedImage(regression: RegressionCase): Uint8Array {
  const seed = qemuSeeds().find((image) => image.name === regression.seed);
  if (!seed) throw new Error(`no seed image ${regression.seed}`);
  const bytes = seed.bytes.slice();
  for (const [offset, value] of regression.changes) bytes[offset] = value;
  return bytes;
}
