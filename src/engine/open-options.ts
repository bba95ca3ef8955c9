/** Checking the numeric options of `QedImage.open` before anything is read or allocated. */
import { QedArgumentError } from '../qed/errors.ts';

/** `bytes` when it is a power of two of at least 512 (or undefined: the default); `QedArgumentError` otherwise. */
export function validPageBytes(bytes: number | undefined): number | undefined {
  if (bytes === undefined) return undefined;
  if (!Number.isSafeInteger(bytes) || bytes < 512 || (bytes & (bytes - 1)) !== 0) throw new QedArgumentError(`l2PageBytes ${bytes} must be a power of two of at least 512`);
  return bytes;
}

/** `limit` when it is a positive integer (or undefined: the default); `QedArgumentError` otherwise. */
export function validGroupCommitLimit(limit: number | undefined): number | undefined {
  if (limit === undefined) return undefined;
  if (!Number.isSafeInteger(limit) || limit < 1) throw new QedArgumentError(`groupCommitLimit ${limit} must be a positive integer`);
  return limit;
}
