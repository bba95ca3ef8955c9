/**
 * Reading metadata from an image file with its size checked before anything is allocated. A
 * damaged header can claim a table of any size; these helpers refuse more than
 * `MAX_METADATA_BYTES` at once and let every `QedError` from the file (such as a remote file's
 * `BackingDataPendingError`) through unchanged.
 */
import type { SyncFile } from '../engine/sync-file.ts';
import { readFully } from '../engine/sync-file.ts';
import { ImageFormatError } from './errors.ts';

/** Largest single metadata read (a table, a header area), in bytes. */
export const MAX_METADATA_BYTES = 64 * 1024 * 1024;

/**
 * Reads `length` bytes at `offset` into a new buffer (zeros past the end of the file). Throws
 * `ImageFormatError` naming `what` when `length` is not a safe size up to `MAX_METADATA_BYTES`
 * or `offset` is not a safe non-negative integer.
 */
export function readMetadata(file: SyncFile, offset: number, length: number, what: string): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0 || length > MAX_METADATA_BYTES) {
    throw new ImageFormatError(`${what} of ${length} bytes is larger than the ${MAX_METADATA_BYTES}-byte limit`);
  }
  if (!Number.isSafeInteger(offset) || offset < 0 || offset + length > Number.MAX_SAFE_INTEGER) {
    throw new ImageFormatError(`${what} at offset ${offset} is outside any file`);
  }
  const bytes = new Uint8Array(length);
  readFully(file, bytes, offset);
  return bytes;
}
