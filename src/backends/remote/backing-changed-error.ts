/** The remote base of a chunk cache is no longer the file the cache was filled from. */
import { QedBackingError } from '../../qed/errors.ts';

/**
 * The server's size or validator (ETag / Last-Modified) differs from what the chunk map
 * recorded, so new bytes would be mixed into old ones. Nothing is written to the cache. The
 * overlay was built on the old base: the page should tell the user rather than retry.
 */
export class QedBackingChangedError extends QedBackingError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'QedBackingChangedError';
}
