/**
 * Running a synchronous engine action over a remote backing file: when the action throws
 * `BackingDataPendingError`, the missing chunks are fetched and the action runs again. Engine
 * actions are restartable (reads have no side effects; allocating writes read their
 * copy-on-write fills before changing anything), so a retry repeats only work already done.
 */
import { QedBackingError } from '../../qed/errors.ts';
import { BackingDataPendingError, describeChunkRanges } from './backing-pending-error.ts';

/** Something that can fetch the chunks a `BackingDataPendingError` lists (a `RangeFetcher`). */
export interface PendingDataLoader {
  /** Makes every chunk `error` lists available in the cache; rejects when it cannot. */
  load(error: BackingDataPendingError): Promise<void>;
}

/** Options of `runWithBacking`. */
export interface RunWithBackingOptions {
  /** Most fetch rounds before giving up with `QedBackingError`. Default 64. */
  maxRounds?: number;
}

/** Rounds allowed by default: a request touching many separate backing pieces needs one per piece. */
const DEFAULT_MAX_ROUNDS = 64;

/**
 * Runs `action` until it completes without `BackingDataPendingError`, each time awaiting
 * `loader.load` for exactly the chunks it was missing, and returns its result. Other errors
 * (including those of the loader, such as `QedBackingChangedError` or `QedIoError` when
 * offline) propagate unchanged. Throws `QedBackingError` when the same chunks are still missing
 * right after being loaded, or after `maxRounds` rounds. Run one action at a time per image.
 */
export async function runWithBacking<T>(action: () => T, loader: PendingDataLoader, options: RunWithBackingOptions = {}): Promise<T> {
  const maxRounds = options.maxRounds ?? DEFAULT_MAX_ROUNDS;
  let previous: string | null = null;
  for (let round = 0; ; round++) {
    try {
      return action();
    } catch (error) {
      if (!(error instanceof BackingDataPendingError)) throw error;
      const key = `${error.url} ${describeChunkRanges(error.ranges)}`;
      if (key === previous) throw new QedBackingError(`chunks ${describeChunkRanges(error.ranges)} of ${error.url} are still missing after being fetched`);
      if (round >= maxRounds) throw new QedBackingError(`gave up after ${maxRounds} rounds of fetching backing data (last: ${error.message})`);
      previous = key;
      await loader.load(error);
    }
  }
}
