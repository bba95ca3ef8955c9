/**
 * A small least-recently-used cache of decoded tables or clusters, bounded by a byte budget.
 * Entries are added only once complete (a read abandoned halfway, for example by a remote
 * file's `BackingDataPendingError`, leaves nothing behind), so a re-run request sees either
 * nothing or the whole entry.
 */

/** A cache from numeric keys (file offsets) to values of known byte size. */
export class LruCache<V> {
  readonly #entries = new Map<number, { value: V; bytes: number }>();
  readonly #budgetBytes: number;
  #usedBytes = 0;

  /** Keeps at most `budgetBytes` of values (but always the most recent one). */
  constructor(budgetBytes: number) {
    this.#budgetBytes = budgetBytes;
  }

  /** The value under `key`, marked most recently used, or undefined. */
  get(key: number): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Stores `value` (of `bytes` bytes) under `key`, evicting the least recently used as needed. */
  set(key: number, value: V, bytes: number): void {
    const old = this.#entries.get(key);
    if (old) {
      this.#usedBytes -= old.bytes;
      this.#entries.delete(key);
    }
    this.#entries.set(key, { value, bytes });
    this.#usedBytes += bytes;
    for (const [oldest, entry] of this.#entries) {
      if (this.#usedBytes <= this.#budgetBytes || oldest === key) break;
      this.#entries.delete(oldest);
      this.#usedBytes -= entry.bytes;
    }
  }

  /** Bytes held now. */
  get usedBytes(): number {
    return this.#usedBytes;
  }

  /** Drops everything. */
  clear(): void {
    this.#entries.clear();
    this.#usedBytes = 0;
  }
}
