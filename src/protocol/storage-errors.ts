/**
 * Typed errors of giving storage back (`compactDisk`, `freeBaseCache`), thrown by the disk worker
 * and revived on the page by name (they are listed in `revivable-errors.ts`).
 */
import { QedError } from '../qed/errors.ts';

/**
 * What was to be freed is in use: an HTTP base cache that a disk open in this page reads through,
 * or one another tab holds open. Close the disks on that base (in every tab) first. The message
 * names the cache.
 */
export class StorageInUseError extends QedError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'StorageInUseError';
}

/** No HTTP base cache has that id (`BaseCacheReport.id`). */
export class BaseCacheNotFoundError extends QedError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'BaseCacheNotFoundError';
}
