/**
 * `RangeFetcher`: fills a `CachedRemoteFile` from its server with HTTP Range requests. Adjacent
 * chunks are coalesced into one request (up to `maxRequestBytes`), a few requests run at once,
 * sequential demand reads a little ahead, and every response is checked before it reaches the
 * cache, so a changed or misbehaving server never mixes foreign bytes into it.
 *
 * A cross-origin (allowlisted) server must answer CORS requests carrying a `Range` header and
 * list `Content-Range, ETag, Last-Modified` in `Access-Control-Expose-Headers`; without them
 * every answer is refused with `QedBackingError`. `If-Range` is not sent: validators are compared
 * on every answer instead, which also catches a server that ignores `If-Range`.
 */
import { QedBackingError, QedIoError } from '../../qed/errors.ts';
import type { BackingDataPendingError, ChunkRange } from './backing-pending-error.ts';
import type { CacheStatus, CachedRemoteFile } from './cached-remote-file.ts';
import { type FetchFunction, readRangeResponse, sendRange } from './range-response.ts';
import { RequestLimiter } from './request-limiter.ts';
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
  /** Requests in flight at most. Default 4. */
  maxConcurrentRequests?: number;
  /** Largest request in bytes (rounded down to whole chunks, at least one). Default 1 MiB. */
  maxRequestBytes?: number;
  /** Extra missing chunks fetched after a demand that continues the previous one. Default 4. */
  readAheadChunks?: number;
  /** A server ignoring Range is tolerated for files up to this many bytes. Default 1 MiB. */
  smallFileBytes?: number;
  /** Called after every answered request. */
  onProgress?: (progress: FetchProgress) => void;
}

/** Defaults of `RangeFetcherOptions`. */
export const RANGE_FETCHER_DEFAULTS = { maxConcurrentRequests: 4, maxRequestBytes: 1024 * 1024, readAheadChunks: 4, smallFileBytes: 1024 * 1024 } as const;

/** Requests issued per batch by `makeAvailableOffline`, per allowed concurrent request. */
const OFFLINE_BATCH_PER_SLOT = 4;

/** Fetches chunks of one remote file into its `CachedRemoteFile`. */
export class RangeFetcher implements PendingDataLoader {
  readonly #file: CachedRemoteFile;
  readonly #fetch: FetchFunction;
  readonly #limiter: RequestLimiter;
  readonly #maxRequestChunks: number;
  readonly #readAhead: number;
  readonly #smallFileBytes: number;
  readonly #onProgress: ((progress: FetchProgress) => void) | undefined;
  /** The request promise each chunk being fetched waits on. */
  readonly #inFlight = new Map<number, Promise<void>>();
  #bytesFetched = 0;
  #requests = 0;
  /** The chunk after the last one demanded (with read-ahead), to recognise sequential access. */
  #nextSequential = -1;

  /** Fetches for `file` (not taken over: closing it stays the caller's job). */
  constructor(file: CachedRemoteFile, options: RangeFetcherOptions = {}) {
    this.#file = file;
    this.#fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
    this.#limiter = new RequestLimiter(options.maxConcurrentRequests ?? RANGE_FETCHER_DEFAULTS.maxConcurrentRequests);
    this.#maxRequestChunks = Math.max(1, Math.floor((options.maxRequestBytes ?? RANGE_FETCHER_DEFAULTS.maxRequestBytes) / file.chunkSize));
    this.#readAhead = Math.max(0, Math.floor(options.readAheadChunks ?? RANGE_FETCHER_DEFAULTS.readAheadChunks));
    this.#smallFileBytes = options.smallFileBytes ?? RANGE_FETCHER_DEFAULTS.smallFileBytes;
    this.#onProgress = options.onProgress;
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
    return this.#limiter.peak;
  }

  /**
   * Fetches the chunks `error` lists, plus read-ahead when the demand continues the previous
   * one. For `runWithBacking`. Throws `QedBackingError` for an error about another URL.
   */
  async load(error: BackingDataPendingError): Promise<void> {
    if (error.url !== this.#file.url) throw new QedBackingError(`a fetcher for ${this.#file.url} cannot load chunks of ${error.url}`);
    const ranges = error.ranges.map(({ first, count }) => ({ first, count }));
    const last = ranges[ranges.length - 1];
    if (last && this.#readAhead > 0 && ranges[0]?.first === this.#nextSequential) {
      let extra = 0;
      const end = last.first + last.count;
      while (extra < this.#readAhead && end + extra < this.#file.chunkCount && !this.#file.hasChunk(end + extra)) extra++;
      last.count += extra;
    }
    if (last) this.#nextSequential = last.first + last.count;
    await this.fetchChunks(ranges);
  }

  /**
   * Makes chunks `ranges` cached: those already cached are skipped, those another call is
   * fetching are awaited, the rest are fetched. Rejects with the first failure once every
   * request has settled (`QedBackingChangedError`, `QedBackingError` or `QedIoError`); chunks
   * whose requests succeeded stay cached.
   */
  async fetchChunks(ranges: readonly ChunkRange[], signal?: AbortSignal, onSettled?: () => void): Promise<void> {
    const waits = new Set<Promise<void>>();
    let runStart = -1;
    const flush = (end: number): void => {
      for (let first = runStart; first < end; first += this.#maxRequestChunks) {
        const count = Math.min(this.#maxRequestChunks, end - first);
        const request = this.#limiter.run(() => this.#fetchRun(first, count, signal));
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
    for (const { first, count } of mergeRanges(ranges)) {
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
    const batchChunks = this.#maxRequestChunks * this.#limiter.limit * OFFLINE_BATCH_PER_SLOT;
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

  async #fetchRun(first: number, count: number, signal: AbortSignal | undefined): Promise<void> {
    const cs = this.#file.chunkSize;
    const start = first * cs;
    const end = Math.min(this.#file.getSize(), (first + count) * cs);
    if (this.#file.missingChunks(start, end - start).length === 0) return;
    const response = await sendRange(this.#fetch, this.#file.url, start, end, signal);
    this.#requests++;
    try {
      const { at, bytes } = await readRangeResponse(response, start, end, this.#file.identity, this.#smallFileBytes);
      this.#file.fill(at / cs, bytes);
      this.#bytesFetched += bytes.byteLength;
    } finally {
      this.#onProgress?.({ bytesFetched: this.#bytesFetched, requests: this.#requests });
    }
  }
}

/** The first runs of `ranges` covering at most `limit` chunks (the last one cut to fit). */
function takeChunks(ranges: readonly ChunkRange[], limit: number): ChunkRange[] {
  const taken: ChunkRange[] = [];
  let left = limit;
  for (const { first, count } of ranges) {
    if (left <= 0) break;
    taken.push({ first, count: Math.min(count, left) });
    left -= Math.min(count, left);
  }
  return taken;
}

/** `ranges` sorted, with overlapping and adjacent runs merged. */
function mergeRanges(ranges: readonly ChunkRange[]): ChunkRange[] {
  const sorted = ranges.filter(({ count }) => count > 0).sort((a, b) => a.first - b.first);
  const merged: Array<{ first: number; count: number }> = [];
  for (const { first, count } of sorted) {
    const last = merged[merged.length - 1];
    if (last && first <= last.first + last.count) last.count = Math.max(last.count, first + count - last.first);
    else merged.push({ first, count });
  }
  return merged;
}
