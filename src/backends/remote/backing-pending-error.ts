/**
 * The signal a remote backing file gives the synchronous engine when bytes it needs are not in
 * the local chunk cache yet. The engine lets `QedError`s through unchanged and its operations
 * are restartable, so the caller fetches the listed chunks and runs the operation again.
 */
import { QedError } from '../../qed/errors.ts';

/** A run of consecutive chunks of a remote file: chunks `first` to `first + count - 1`. */
export interface ChunkRange {
  /** Index of the first chunk (chunk `i` covers bytes `[i * chunkSize, (i + 1) * chunkSize)`). */
  readonly first: number;
  /** Number of chunks in the run, at least 1. */
  readonly count: number;
}

/** Describes chunk runs as text such as `3-5, 9`. */
export function describeChunkRanges(ranges: readonly ChunkRange[]): string {
  return ranges.map(({ first, count }) => (count === 1 ? `${first}` : `${first}-${first + count - 1}`)).join(', ');
}

/**
 * Thrown by `CachedRemoteFile.read` when some chunk of the requested range is not cached. Nothing
 * was read or changed; fetch `ranges` (for example with `runWithBacking`) and retry.
 */
export class BackingDataPendingError extends QedError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'BackingDataPendingError';
  /** URL of the remote file the chunks belong to. */
  readonly url: string;
  /** The missing chunks of the failed read, as maximal runs in ascending order. */
  readonly ranges: readonly ChunkRange[];
  /** Bytes per chunk of the cache that threw. */
  readonly chunkSize: number;

  /** Creates the error for `ranges` (copied) of `url`'s cache with `chunkSize`-byte chunks. */
  constructor(url: string, ranges: readonly ChunkRange[], chunkSize: number) {
    super(`backing data not cached yet: chunks ${describeChunkRanges(ranges)} (${chunkSize}-byte chunks) of ${url}`);
    this.url = url;
    this.ranges = ranges.map(({ first, count }) => ({ first, count }));
    this.chunkSize = chunkSize;
  }
}
