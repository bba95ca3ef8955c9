/** Checking a guest range given on the command line against the disk size. */
import { QedRangeError } from '../qed/errors.ts';

/**
 * Throws `QedRangeError` unless `[offset, offset + length)` lies inside a disk of `diskSize`
 * bytes. All values are in bytes.
 */
export function assertInsideDisk(diskSize: number, offset: number, length: number): void {
  if (offset + length > diskSize) {
    throw new QedRangeError(`range [${offset}, ${offset + length}) lies outside the ${diskSize}-byte disk`);
  }
}
