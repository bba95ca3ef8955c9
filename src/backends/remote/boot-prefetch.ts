/**
 * Starting the boot prefetch of a remote base: fetch its manifest (`<base>.manifest.json`), and
 * when there is a valid one for this base, stream its chunks with a `BootPrefetcher` that follows
 * the guest's reads through a `TracingRemoteFile`. A missing or bad manifest only means no
 * prefetch: the guest's reads fetch on demand as before.
 */
import type { ChunkRange } from './backing-pending-error.ts';
import { BootPrefetcher, type BootPrefetcherOptions, type PrefetchStatus } from './boot-prefetcher.ts';
import { type PrefetchManifest, manifestChunkRanges, manifestUrlOf, parseManifest } from './prefetch-manifest.ts';
import type { RangeFetcher } from './range-fetcher.ts';
import type { FetchFunction } from './range-response.ts';
import type { TracingRemoteFile } from './read-trace.ts';

/** What a started boot prefetch reports: the prefetcher's status plus its lane's requests and bytes. */
export interface BootPrefetchStatus extends PrefetchStatus {
  /** Prefetch requests answered. */
  requests: number;
  /** Bytes they brought into the cache. */
  bytes: number;
}

/** A boot prefetch under way (or one that found no manifest). */
export interface BootPrefetch {
  /** The status, or null while the manifest loads and when there is none. */
  status(): BootPrefetchStatus | null;
  /** Stops prefetching (see `BootPrefetcher.stop`). */
  stop(): void;
  /** Settles once prefetching ended (or no manifest was found). Never rejects. */
  readonly done: Promise<void>;
}

/**
 * The manifest served next to the base at `baseUrl`, or null when there is none (404, offline,
 * not a valid manifest). Text longer than the manifest cap is refused before it is parsed.
 */
export async function loadManifest(fetchFn: FetchFunction, baseUrl: string): Promise<PrefetchManifest | null> {
  try {
    const response = await fetchFn(manifestUrlOf(baseUrl), {});
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      return null;
    }
    return parseManifest(await response.text());
  } catch {
    return null;
  }
}

/**
 * Loads the manifest of `fetcher`'s base and, when it lists chunks of this base that are not
 * cached yet, streams them ahead of the guest whose reads `reader` sees. `manifest` skips the
 * load (a manifest at hand, or null for none).
 */
export function startBootPrefetch(fetcher: RangeFetcher, reader: TracingRemoteFile, fetchFn: FetchFunction, options: BootPrefetcherOptions & { manifest?: PrefetchManifest | null } = {}): BootPrefetch {
  let prefetcher: BootPrefetcher | null = null;
  let stopped = false;
  const start = async (): Promise<void> => {
    const manifest = options.manifest !== undefined ? options.manifest : await loadManifest(fetchFn, fetcher.file.url);
    if (!manifest || stopped) return;
    const file = fetcher.file;
    const ranges: ChunkRange[] = manifestChunkRanges(manifest, file.getSize(), file.chunkSize);
    if (ranges.length === 0) return;
    prefetcher = new BootPrefetcher(fetcher, ranges, options);
    const unobserve = reader.observe(prefetcher.observe);
    try {
      await prefetcher.run();
    } finally {
      unobserve();
    }
  };
  const done = start().catch(() => undefined);
  return {
    status: () => {
      if (!prefetcher) return null;
      const lane = fetcher.laneCounters('prefetch');
      return { ...prefetcher.status(), requests: lane.requests, bytes: lane.bytes };
    },
    stop: () => {
      stopped = true;
      prefetcher?.stop();
    },
    done,
  };
}
