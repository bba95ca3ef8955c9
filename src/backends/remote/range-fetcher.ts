/**
 * `RangeFetcher`: fills a `CachedRemoteFile` from its server with HTTP Range requests. Adjacent
 * chunks are coalesced into one request (up to `maxRequestBytes`), several requests run at once
 * in three lanes of one slot pool (`slot-pool.ts`): the guest's demand misses first, then the
 * read-ahead of sequential runs, then the boot prefetcher's background requests. Read-ahead
 * adapts to what the guest reads: it starts at `readAheadChunks` after a demand that continues
 * the previous one, doubles with every further sequential demand up to `maxReadAheadBytes`, runs
 * in the background (a demand waits only for its own chunks, or for the request already bringing
 * them), and falls back to nothing on a random read. Every response is checked before it reaches
 * the cache, so a changed or misbehaving server never mixes foreign bytes into it.
 *
 * A cross-origin (allowlisted) server must answer CORS requests carrying a `Range` header and
 * list `Content-Range, ETag, Last-Modified` in `Access-Control-Expose-Headers`; without them
 * every answer is refused with `QedBackingError`. `If-Range` is not sent: validators are compared
 * on every answer instead, which also catches a server that ignores `If-Range`.
 */
import { QedBackingError, QedIoError } from '../../qed/errors.ts';
import type { BackingDataPendingError, ChunkRange } from './backing-pending-error.ts';
import type { CacheStatus, CachedRemoteFile } from './cached-remote-file.ts';
import { mergeChunkRanges, takeChunks } from './chunk-ranges.ts';
import { type FetchFunction, readRangeResponse, sendRange } from './range-response.ts';
import { type FetchLane, SlotPool } from './slot-pool.ts';
import type { PendingDataLoader } from './run-with-backing.ts';

/** Fetch counters, reported after every completed request. */
export interface FetchProgress {
  /** Body bytes accepted into the cache since the fetcher was made. */
  bytesFetched: number;
  /** Requests answered since the fetcher was made (including rejected answers). */
  requests: number;
}

/** Progress of `makeAvailableOffline`. */
export interface OfflineProgress {
  /** Bytes of the remote file now cached. */
  cachedBytes: number;
  /** Size of the remote file in bytes. */
  totalBytes: number;
  /** Bytes this call has fetched so far. */
  bytesFetched: number;
}

/** Options of `RangeFetcher`. */
export interface RangeFetcherOptions {
  /** The fetch to use. Default: the global `fetch`. */
  fetch?: FetchFunction;
  /** Requests in flight at most, all lanes together. Default 6 (what browsers allow per HTTP/1.1 host). */
  maxConcurrentRequests?: number;
  /** Read-ahead requests in flight at most. Default 4. */
  maxReadAheadRequests?: number;
  /** Prefetch requests in flight at most. Default 3. */
  maxPrefetchRequests?: number;
  /** Largest request in bytes (rounded down to whole chunks, at least one). Default 1 MiB. */
  maxRequestBytes?: number;
  /** Chunks read ahead after the first demand that continues the previous one; 0 turns read-ahead off. Default 4. */
  readAheadChunks?: number;
  /** Most bytes read ahead of a sequential run once it has grown (at least `readAheadChunks`). Default 4 MiB. */
  maxReadAheadBytes?: number;
  /** A server ignoring Range is tolerated for files up to this many bytes. Default 1 MiB. */
  smallFileBytes?: number;
  /** Called after every answered request. */
  onProgress?: (progress: FetchProgress) => void;
}

/** Defaults of `RangeFetcherOptions`. */
export const RANGE_FETCHER_DEFAULTS = {
  maxConcurrentRequests: 6,
  maxReadAheadRequests: 4,
  maxPrefetchRequests: 3,
  maxRequestBytes: 1024 * 1024,
  readAheadChunks: 4,
  maxReadAheadBytes: 4 * 1024 * 1024,
  smallFileBytes: 1024 * 1024,
} as const;

/** Requests and body bytes of one lane. */
export interface LaneCounters {
  /** Requests answered. */
  requests: number;
  /** Body bytes accepted into the cache. */
  bytes: number;
}

/** Requests issued per batch by `makeAvailableOffline`, per allowed concurrent request. */
const OFFLINE_BATCH_PER_SLOT = 4;

/** Fetches chunks of one remote file into its `CachedRemoteFile`. */
export class RangeFetcher implements PendingDataLoader {
  readonly #file: CachedRemoteFile;
  readonly #fetch: FetchFunction;
  readonly #pool: SlotPool;
  readonly #maxRequestChunks: number;
  readonly #readAhead: number;
  readonly #maxReadAhead: number;
  readonly #smallFileBytes: number;
  readonly #onProgress: ((progress: FetchProgress) => void) | undefined;
  /** The request promise each chunk being fetched waits on. */
  readonly #inFlight = new Map<number, Promise<void>>();
  /** Background requests (read-ahead, prefetch) not settled yet. */
  readonly #background = new Set<Promise<void>>();
  readonly #lanes: Record<FetchLane, LaneCounters> = { demand: { requests: 0, bytes: 0 }, readahead: { requests: 0, bytes: 0 }, prefetch: { requests: 0, bytes: 0 } };
  #bytesFetched = 0;
  #requests = 0;
  /** The chunk after the last demand, to recognise sequential access (-1 before the first). */
  #demandEnd = -1;
  /** The chunk after the last one read ahead (at least `#demandEnd`). */
  #readAheadEnd = -1;
  /** Chunks the current sequential run reads ahead (0: not in a sequential run). */
  #window = 0;

  /** Fetches for `file` (not taken over: closing it stays the caller's job). */
  constructor(file: CachedRemoteFile, options: RangeFetcherOptions = {}) {
    const d = RANGE_FETCHER_DEFAULTS;
    this.#file = file;
    this.#fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
    this.#pool = new SlotPool(options.maxConcurrentRequests ?? d.maxConcurrentRequests, {
      readahead: options.maxReadAheadRequests ?? d.maxReadAheadRequests,
      prefetch: options.maxPrefetchRequests ?? d.maxPrefetchRequests,
    });
    this.#maxRequestChunks = Math.max(1, Math.floor((options.maxRequestBytes ?? d.maxRequestBytes) / file.chunkSize));
    this.#readAhead = Math.max(0, Math.floor(options.readAheadChunks ?? d.readAheadChunks));
    this.#maxReadAhead = Math.max(this.#readAhead, Math.floor((options.maxReadAheadBytes ?? d.maxReadAheadBytes) / file.chunkSize));
    this.#smallFileBytes = options.smallFileBytes ?? d.smallFileBytes;
    this.#onProgress = options.onProgress;
  }

  /** The file this fetcher fills. */
  get file(): CachedRemoteFile {
    return this.#file;
  }

  /** Body bytes accepted into the cache so far. */
  get bytesFetched(): number {
    return this.#bytesFetched;
  }

  /** Requests answered so far. */
  get requests(): number {
    return this.#requests;
  }

  /** Most requests that were ever in flight at once. */
  get peakConcurrentRequests(): number {
    return this.#pool.peak;
  }

  /** Requests and bytes of one lane so far (a copy). */
  laneCounters(lane: FetchLane): LaneCounters {
    return { ...this.#lanes[lane] };
  }

  /** Chunks the current sequential run reads ahead (0 outside a sequential run). */
  get readAheadWindow(): number {
    return this.#window;
  }

  /**
   * Fetches the chunks `error` lists (resolving once they are cached) and, when the demand
   * continues the previous one, reads ahead in the background by a window that doubles with
   * each sequential demand. For `runWithBacking`. Throws `QedBackingError` for an error about
   * another URL, and what `fetchChunks` throws.
   */
  async load(error: BackingDataPendingError): Promise<void> {
    if (error.url !== this.#file.url) throw new QedBackingError(`a fetcher for ${this.#file.url} cannot load chunks of ${error.url}`);
    const ranges = error.ranges.map(({ first, count }) => ({ first, count }));
    const firstRange = ranges[0];
    const last = ranges[ranges.length - 1];
    if (!firstRange || !last) return;
    const end = last.first + last.count;
    const sequential = this.#demandEnd >= 0 && firstRange.first >= this.#demandEnd && firstRange.first <= Math.max(this.#demandEnd, this.#readAheadEnd);
    this.#window = sequential && this.#readAhead > 0 ? Math.min(this.#maxReadAhead, this.#window === 0 ? this.#readAhead : this.#window * 2) : 0;
    this.#demandEnd = end;
    const demand = this.#fetchIn('demand', ranges);
    if (this.#window > 0) {
      const from = Math.max(end, this.#readAheadEnd);
      const to = Math.min(this.#file.chunkCount, end + this.#window);
      if (to > from) this.#inBackground(this.#fetchIn('readahead', [{ first: from, count: to - from }]));
      this.#readAheadEnd = Math.max(this.#readAheadEnd, to);
    } else {
      this.#readAheadEnd = end;
    }
    await demand;
  }

  /**
   * Makes chunks `ranges` cached: those already cached are skipped, those another call is
   * fetching are awaited, the rest are fetched as demand. Unlike `load`, it neither starts nor
   * continues a sequential run (no read-ahead): for reads that say nothing about what the guest
   * reads next, such as an image format's header and tables while it opens. Rejects with the first failure once
   * every request has settled (`QedBackingChangedError`, `QedBackingError` or `QedIoError`);
   * chunks whose requests succeeded stay cached.
   */
  fetchChunks(ranges: readonly ChunkRange[], signal?: AbortSignal, onSettled?: () => void): Promise<void> {
    return this.#fetchIn('demand', ranges, signal, onSettled);
  }

  /**
   * Like `fetchChunks`, in the prefetch lane: at most `maxPrefetchRequests` at once, and a free
   * slot goes to a waiting demand or read-ahead first. For the boot prefetcher.
   */
  prefetch(ranges: readonly ChunkRange[], signal?: AbortSignal): Promise<void> {
    return this.#fetchIn('prefetch', ranges, signal);
  }

  /** Resolves once every background request (read-ahead, prefetch) started so far has settled. */
  async settled(): Promise<void> {
    while (this.#background.size > 0) await Promise.allSettled([...this.#background]);
  }

  /**
   * Fetches every chunk not yet cached, in batches, calling `onProgress` after each request, and
   * returns the final cache status. Stops at the first failed batch (offline: `QedIoError`;
   * changed base: `QedBackingChangedError`); what was fetched stays cached, so calling it again
   * resumes. Aborting `signal` stops it with `QedIoError`.
   */
  async makeAvailableOffline(onProgress?: (progress: OfflineProgress) => void, signal?: AbortSignal): Promise<CacheStatus> {
    const startBytes = this.#bytesFetched;
    const report = (): void => {
      onProgress?.({ cachedBytes: this.#file.cachedBytes(), totalBytes: this.#file.getSize(), bytesFetched: this.#bytesFetched - startBytes });
    };
    const batchChunks = this.#maxRequestChunks * this.#pool.total * OFFLINE_BATCH_PER_SLOT;
    for (;;) {
      if (signal?.aborted) throw new QedIoError('making the base available offline was aborted', signal.reason);
      const batch = takeChunks(this.#file.missingChunks(), batchChunks);
      if (batch.length === 0) break;
      const before = this.#file.cachedBytes();
      await this.fetchChunks(batch, signal, report);
      if (this.#file.cachedBytes() === before) throw new QedBackingError(`fetching chunks of ${this.#file.url} made no progress`);
    }
    report();
    return this.#file.cacheStatus();
  }

  /** Keeps `request` in the background set until it settles; its failure is left to whoever waits on its chunks. */
  #inBackground(request: Promise<void>): void {
    const quiet = request.catch(() => undefined);
    this.#background.add(quiet);
    void quiet.then(() => this.#background.delete(quiet));
  }

  /** Fetches the missing chunks of `ranges` in `lane` (see `fetchChunks`). */
  async #fetchIn(lane: FetchLane, ranges: readonly ChunkRange[], signal?: AbortSignal, onSettled?: () => void): Promise<void> {
    const waits = new Set<Promise<void>>();
    let runStart = -1;
    const flush = (end: number): void => {
      for (let first = runStart; first < end; first += this.#maxRequestChunks) {
        const count = Math.min(this.#maxRequestChunks, end - first);
        const request = this.#pool.run(lane, () => this.#fetchRun(lane, first, count, signal));
        for (let i = first; i < first + count; i++) this.#inFlight.set(i, request);
        const forget = (): void => {
          for (let i = first; i < first + count; i++) if (this.#inFlight.get(i) === request) this.#inFlight.delete(i);
        };
        request.then(forget, forget);
        waits.add(request);
      }
      runStart = -1;
    };
    let previousEnd = -1;
    for (const { first, count } of mergeChunkRanges(ranges)) {
      if (runStart >= 0 && first !== previousEnd) flush(previousEnd);
      for (let i = first; i < first + count; i++) {
        const missing = i < this.#file.chunkCount && !this.#file.hasChunk(i);
        const pending = missing ? this.#inFlight.get(i) : undefined;
        if (pending) waits.add(pending);
        const needed = missing && pending === undefined;
        if (needed && runStart < 0) runStart = i;
        if (!needed && runStart >= 0) flush(i);
      }
      previousEnd = first + count;
    }
    if (runStart >= 0) flush(previousEnd);
    const results = await Promise.allSettled([...waits].map((wait) => wait.then(() => onSettled?.())));
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
  }

  async #fetchRun(lane: FetchLane, first: number, count: number, signal: AbortSignal | undefined): Promise<void> {
    const cs = this.#file.chunkSize;
    const start = first * cs;
    const end = Math.min(this.#file.getSize(), (first + count) * cs);
    if (this.#file.missingChunks(start, end - start).length === 0) return;
    const response = await sendRange(this.#fetch, this.#file.url, start, end, signal);
    this.#requests++;
    this.#lanes[lane].requests++;
    try {
      const { at, bytes } = await readRangeResponse(response, start, end, this.#file.identity, this.#smallFileBytes);
      this.#file.fill(at / cs, bytes);
      this.#bytesFetched += bytes.byteLength;
      this.#lanes[lane].bytes += bytes.byteLength;
    } finally {
      this.#onProgress?.({ bytesFetched: this.#bytesFetched, requests: this.#requests });
    }
  }
}
