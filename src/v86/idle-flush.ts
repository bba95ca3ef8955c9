/**
 * When the v86 disk adapter flushes on its own. v86 completes the guest's ATA FLUSH CACHE without
 * asking the disk, so the adapter flushes by itself once written data has waited long enough:
 * after `idleMs` without any guest request (a flush queued in front of a read the guest waits
 * for would stall the guest for as long as the file system takes to sync), and at the latest
 * `maxDelayMs` after the first write completed since the last flush, however busy the guest is.
 */

/** Milliseconds since some fixed point (`Date.now` by default; tests fake it with the timers). */
type Clock = () => number;

/** The timer of one adapter. */
export class IdleFlush {
  readonly #idleMs: number;
  readonly #maxDelayMs: number;
  readonly #flush: () => void;
  readonly #now: Clock;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastRequestAt = 0;
  #dirtySince: number | null = null;
  #stopped = false;

  /**
   * Calls `flush` as described above; `idleMs` <= 0 turns it off. `maxDelayMs` is raised to
   * `idleMs` when smaller.
   */
  constructor(idleMs: number, maxDelayMs: number, flush: () => void, now: Clock = Date.now) {
    this.#idleMs = idleMs;
    this.#maxDelayMs = Math.max(maxDelayMs, idleMs);
    this.#flush = flush;
    this.#now = now;
  }

  /** A guest request was issued or finished. */
  noteRequest(): void {
    this.#lastRequestAt = this.#now();
  }

  /** A guest write finished: its data waits for a flush. */
  noteWrite(): void {
    this.noteRequest();
    this.#dirtySince ??= this.#lastRequestAt;
    if (this.#timer === undefined) this.#arm(this.#idleMs);
  }

  /** A flush starts: what was written so far is covered by it. */
  flushing(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dirtySince = null;
  }

  /** Never flush again. */
  stop(): void {
    this.#stopped = true;
    this.flushing();
  }

  #arm(delayMs: number): void {
    if (this.#idleMs <= 0 || this.#stopped) return;
    this.#timer = setTimeout(() => this.#check(), Math.max(1, delayMs));
  }

  #check(): void {
    this.#timer = undefined;
    if (this.#dirtySince === null || this.#stopped) return;
    const now = this.#now();
    const quietFor = now - this.#lastRequestAt;
    const waitedFor = now - this.#dirtySince;
    if (quietFor >= this.#idleMs || waitedFor >= this.#maxDelayMs) this.#flush();
    else this.#arm(Math.min(this.#idleMs - quietFor, this.#maxDelayMs - waitedFor));
  }
}
