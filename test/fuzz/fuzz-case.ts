/**
 * One fuzz case: open a mutated image read-only and read-write, read, write, check and repair.
 * Every failure must be a `QedError`; anything else is a bug.
 */
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import { QedError } from '../../src/qed/errors.ts';
import { RecordingFile } from '../support/recording-file.ts';
import type { Random } from './mutate.ts';
import { assertWithin, countReferencedTables, limitsFor, measure } from './work-bounds.ts';

/** What happened in one case. */
export type CaseOutcome = 'opened' | 'rejected';

/** A backing resolver that serves a small raw file for any name. */
const smallBacking = (): MemoryFile => new MemoryFile(new Uint8Array(64 * 1024).fill(0x5a));

/** Largest read or write a fuzz case issues, in bytes. */
const MAX_REQUEST_BYTES = 256 * 1024;

/** Runs the case on `bytes`; throws (with the non-QedError) when the engine misbehaves. */
export function runCase(bytes: Uint8Array, random: Random): CaseOutcome {
  let opened = false;
  for (const readOnly of [true, false]) {
    try {
      const memory = new MemoryFile(bytes);
      const file = new RecordingFile(memory);
      const image = QedImage.open(file, { readOnly, resolveBacking: smallBacking, l2CacheBytes: 1024 * 1024 });
      opened = true;
      exercise(image, random, readOnly, { memory, file });
      image.close();
    } catch (error) {
      if (!(error instanceof QedError)) throw error;
    }
  }
  return opened ? 'opened' : 'rejected';
}

/** The image's file, metered, and the memory under it (for reading the L1 without counting). */
interface MeteredImageFile {
  memory: MemoryFile;
  file: RecordingFile;
}

/**
 * Reads (twice, comparing), writes, maps and checks an opened image; QedErrors are fine. Every
 * read, write and zero write must stay within `limitsFor` its request, whether it succeeds or not.
 */
function exercise(image: QedImage, random: Random, readOnly: boolean, metered: MeteredImageFile): void {
  const attempt = (action: () => void): void => {
    try {
      action();
    } catch (error) {
      if (!(error instanceof QedError)) throw error;
    }
  };
  const bounded = (what: string, offset: number, length: number, request: () => void): void => {
    const referencedTables = countReferencedTables(metered.memory, image.geometry.tableBytes);
    const { cost, error } = measure(metered.file, request);
    assertWithin(`${what} of [${offset}, +${length})`, cost, limitsFor(image, referencedTables, cost.sizeBefore, offset, length));
    if (error !== undefined && !(error instanceof QedError)) throw error;
  };
  for (let i = 0; i < 4; i++) {
    const offset = Math.floor(random() * image.size);
    const length = Math.min(image.size - offset, Math.floor(random() * MAX_REQUEST_BYTES));
    let first: Uint8Array | null = null;
    bounded('a read', offset, length, () => {
      first = image.read(offset, length);
    });
    bounded('a second read', offset, length, () => {
      const second = image.read(offset, length);
      if (first !== null && Buffer.compare(first, second) !== 0) throw new Error(`two reads of [${offset}, +${length}) differ`);
    });
  }
  attempt(() => void image.info());
  if (image.size <= 64 * 1024 * 1024 * 1024) attempt(() => void image.map());
  attempt(() => void image.check());
  if (readOnly) return;
  let clean = false;
  attempt(() => {
    clean = image.check({ repair: true }).corruptions === 0;
  });
  const offset = Math.floor(random() * image.size);
  const length = Math.min(image.size - offset, Math.floor(random() * MAX_REQUEST_BYTES));
  const data = new Uint8Array(length).fill(0xc3);
  bounded('a write', offset, length, () => image.write(offset, data));
  attempt(() => {
    // Shared clusters (unfixable corruption) may legitimately alias parts of the range.
    if (clean && Buffer.compare(image.read(offset, length), data) !== 0) throw new Error(`a write of [${offset}, +${length}) to a repaired image did not read back`);
  });
  const zeroOffset = Math.floor((random() * image.size) / 2);
  const zeroLength = Math.min(image.size - zeroOffset, Math.floor(random() * MAX_REQUEST_BYTES));
  bounded('a zero write', zeroOffset, zeroLength, () => image.writeZeroes(zeroOffset, zeroLength));
}
