/**
 * `BootPrefetcher`: streams the chunks a boot prefetch manifest lists into the cache ahead of the
 * guest, in manifest order, with coalesced requests in the fetcher's prefetch lane (a few at once;
 * a guest's demand always gets the next free connection first). It follows the guest through the
 * reads `observe` is told about: it never runs more than `maxAheadBytes` ahead of the furthest
 * manifest chunk the guest has read, skips what the guest has passed, and stops for good when the
 * guest diverges from the manifest: when, of the last `divergenceWindow` chunks the guest read for
 * the first time, `divergenceLimit` or more are not in the manifest (a guest doing something else
 * than the recorded boot; the rest of the manifest would only compete with its real reads).
 */
import type { ChunkRange } from './backing-pending-error.ts';
import type { RangeFetcher } from './range-fetcher.ts';

/** Options of `BootPrefetcher`. */
export interface BootPrefetcherOptions {
  /** Largest prefetch request in bytes (whole chunks, at least one). Default 512 KiB. */
  requestBytes?: number;
  /** Chunks between two manifest runs fetched along to join them into one request. Default 2. */
  gapChunks?: number;
  /** Bytes of manifest the prefetcher may run ahead of the guest's furthest manifest read. Default 64 MiB. */
  maxAheadBytes?: number;
  /** First reads the divergence rule looks back on. Default 32. */
  divergenceWindow?: number;
  /** Of those, how many outside the manifest mean the guest diverged. Default 24. */
  divergenceLimit?: number;
  /** Prefetch requests kept queued or in flight. Default 4 (the lane's cap decides how many run). */
  outstandingRequests?: number;
}

/** Defaults of `BootPrefetcherOptions`. */
export const BOOT_PREFETCHER_DEFAULTS = { requestBytes: 512 * 1024, gapChunks: 2, maxAheadBytes: 64 * 1024 * 1024, divergenceWindow: 32, divergenceLimit: 24, outstandingRequests: 4 } as const;

/** Where a prefetcher is: not started, streaming, finished, or stopped (the guest diverged, a request failed, or `stop`). */
export type PrefetchState = 'idle' | 'running' | 'done' | 'diverged' | 'failed' | 'stopped';

/** What a prefetcher did so far. */
export interface PrefetchStatus {
  /** Its state. */
  state: PrefetchState;
  /** Chunks the manifest lists. */
  manifestChunks: number;
  /** Manifest chunks the prefetcher has gone past (requested, found cached, or passed by the guest). */
  passedChunks: number;
  /** Position after the furthest manifest chunk the guest has read (0 before any). */
  guestPosition: number;
  /** Chunks the guest read for the first time that the manifest does not list. */
  outsideReads: number;
}

/** Streams a manifest's chunks ahead of the guest (see the module comment). */
export class BootPrefetcher {
  readonly #fetcher: RangeFetcher;
  readonly #order: number[] = [];
  readonly #position = new Map<number, number>();
  readonly #requestChunks: number;
  readonly #gapChunks: number;
  readonly #maxAheadChunks: number;
  readonly #window: number;
  readonly #limit: number;
  readonly #outstanding: number;
  readonly #guestSeen = new Set<number>();
  readonly #recent: boolean[] = [];
  #state: PrefetchState = 'idle';
  #cursor = 0;
  /** Requests planned from the last batch of manifest chunks, not sent yet. */
  readonly #planned: ChunkRange[] = [];
  #guestPosition = 0;
  #outsideReads = 0;
  #wake: (() => void) | null = null;

  /** A prefetcher of `ranges` (manifest runs in the fetcher's chunks, in first-read order) through `fetcher`. */
  constructor(fetcher: RangeFetcher, ranges: readonly ChunkRange[], options: BootPrefetcherOptions = {}) {
    const d = BOOT_PREFETCHER_DEFAULTS;
    const cs = fetcher.file.chunkSize;
    this.#fetcher = fetcher;
    for (const { first, count } of ranges) {
      for (let chunk = first; chunk < first + count && chunk < fetcher.file.chunkCount; chunk++) {
        if (this.#position.has(chunk)) continue;
        this.#position.set(chunk, this.#order.length);
        this.#order.push(chunk);
      }
    }
    this.#requestChunks = Math.max(1, Math.floor((options.requestBytes ?? d.requestBytes) / cs));
    this.#gapChunks = Math.max(0, Math.floor(options.gapChunks ?? d.gapChunks));
    this.#maxAheadChunks = Math.max(1, Math.floor((options.maxAheadBytes ?? d.maxAheadBytes) / cs));
    this.#window = Math.max(1, Math.floor(options.divergenceWindow ?? d.divergenceWindow));
    this.#limit = Math.max(1, Math.min(this.#window, Math.floor(options.divergenceLimit ?? d.divergenceLimit)));
    this.#outstanding = Math.max(1, Math.floor(options.outstandingRequests ?? d.outstandingRequests));
  }

  /** What it did so far. */
  status(): PrefetchStatus {
    return { state: this.#state, manifestChunks: this.#order.length, passedChunks: this.#cursor, guestPosition: this.#guestPosition, outsideReads: this.#outsideReads };
  }

  /** The state now. */
  get state(): PrefetchState {
    return this.#state;
  }

  /**
   * Notes that the guest read chunks `[first, end)` (a `ReadObserver`): advances its position in
   * the manifest and applies the divergence rule.
   */
  readonly observe = (first: number, end: number): void => {
    for (let chunk = first; chunk < end; chunk++) {
      if (this.#guestSeen.has(chunk)) continue;
      this.#guestSeen.add(chunk);
      const position = this.#position.get(chunk);
      if (position !== undefined) this.#guestPosition = Math.max(this.#guestPosition, position + 1);
      else this.#outsideReads++;
      this.#recent.push(position === undefined);
      if (this.#recent.length > this.#window) this.#recent.shift();
    }
    if (this.#state === 'running' && this.#recent.filter(Boolean).length >= this.#limit) this.#finish('diverged');
    this.#wakeUp();
  };

  /**
   * Stops prefetching. Requests in flight are let finish: the guest may be waiting on one of their
   * chunks, and they are good chunks. Idempotent.
   */
  stop(): void {
    this.#finish('stopped');
  }

  /**
   * Streams the manifest; resolves with the final state once it is done, diverged, stopped or
   * failed (never rejects: a failed request only ends prefetching; the guest's own reads report
   * errors). Call once.
   */
  async run(): Promise<PrefetchState> {
    if (this.#state !== 'idle') return this.#state;
    this.#state = 'running';
    const inFlight = new Set<Promise<void>>();
    while (this.#state === 'running') {
      const next = inFlight.size < this.#outstanding ? this.#nextRequest() : 'full';
      if (next === 'end') break;
      if (next === 'full' || next === 'ahead') {
        if (inFlight.size > 0) await Promise.race(inFlight);
        else await new Promise<void>((resolve) => (this.#wake = resolve));
        continue;
      }
      const request: Promise<void> = this.#fetcher.prefetch([next]).then(
        () => void inFlight.delete(request),
        () => {
          inFlight.delete(request);
          this.#finish('failed');
        },
      );
      inFlight.add(request);
    }
    await Promise.allSettled([...inFlight]);
    this.#finish('done');
    return this.#state;
  }

  /**
   * The next request's chunks, or why there is none now: `ahead` (wait for the guest), `end` (all
   * passed). Requests are planned a batch at a time: the next uncached manifest chunks, up to
   * `outstandingRequests` requests' worth, sorted and coalesced (joining gaps of at most
   * `gapChunks`), then sent in the order of their earliest manifest position.
   */
  #nextRequest(): ChunkRange | 'ahead' | 'end' {
    const file = this.#fetcher.file;
    while (this.#planned.length > 0) {
      const next = this.#planned.shift() as ChunkRange;
      if (file.missingChunks(next.first * file.chunkSize, next.count * file.chunkSize).length > 0) return next;
    }
    this.#cursor = Math.max(this.#cursor, this.#guestPosition);
    const picked: Array<{ chunk: number; position: number }> = [];
    const budget = this.#requestChunks * this.#outstanding;
    while (this.#cursor < this.#order.length && picked.length < budget && this.#cursor - this.#guestPosition < this.#maxAheadChunks) {
      const chunk = this.#order[this.#cursor] as number;
      if (!file.hasChunk(chunk)) picked.push({ chunk, position: this.#cursor });
      this.#cursor++;
    }
    if (picked.length === 0) return this.#cursor >= this.#order.length ? 'end' : 'ahead';
    picked.sort((a, b) => a.chunk - b.chunk);
    const requests: Array<{ first: number; count: number; position: number }> = [];
    for (const { chunk, position } of picked) {
      const last = requests[requests.length - 1];
      if (last && chunk - (last.first + last.count) <= this.#gapChunks && chunk + 1 - last.first <= this.#requestChunks) {
        last.count = chunk + 1 - last.first;
        last.position = Math.min(last.position, position);
      } else {
        requests.push({ first: chunk, count: 1, position });
      }
    }
    requests.sort((a, b) => a.position - b.position);
    this.#planned.push(...requests.map(({ first, count }) => ({ first, count })));
    return this.#nextRequest();
  }

  #finish(state: Exclude<PrefetchState, 'idle' | 'running'>): void {
    if (this.#state !== 'running' && this.#state !== 'idle') return;
    this.#state = state;
    this.#wakeUp();
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
