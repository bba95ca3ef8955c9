/** A least-recently-used cache of L2 tables, bounded in bytes and keyed by table file offset. */
import type { Table } from '../qed/table.ts';

/** Default L2 cache budget in bytes (8 MiB: 32 tables of the default 256 KiB). */
export const DEFAULT_L2_CACHE_BYTES = 8 * 1024 * 1024;

/** Counters of an `L2Cache`. */
export interface L2CacheStats {
  /** Lookups answered from memory. */
  hits: number;
  /** Lookups that had to read the table from the file. */
  misses: number;
  /** Tables dropped to stay within budget. */
  evictions: number;
  /** Bytes currently held. */
  bytes: number;
}

/**
 * Write-through L2 table cache: callers write a table to the file first and then keep the
 * updated `Table` here. At least one table is always kept, whatever the budget.
 */
export class L2Cache {
  readonly #maxBytes: number;
  readonly #tables = new Map<number, Table>();
  readonly #stats: L2CacheStats = { hits: 0, misses: 0, evictions: 0, bytes: 0 };

  /** Creates a cache holding at most `maxBytes` bytes of tables (but always one). */
  constructor(maxBytes: number = DEFAULT_L2_CACHE_BYTES) {
    this.#maxBytes = maxBytes;
  }

  /** The table at file offset `offset`, marking it most recently used, or undefined. */
  get(offset: number): Table | undefined {
    const table = this.#tables.get(offset);
    if (table === undefined) {
      this.#stats.misses++;
      return undefined;
    }
    this.#stats.hits++;
    this.#tables.delete(offset);
    this.#tables.set(offset, table);
    return table;
  }

  /** Keeps `table` as the table at `offset`, evicting least recently used tables over budget. */
  put(offset: number, table: Table): void {
    const old = this.#tables.get(offset);
    if (old) {
      this.#tables.delete(offset);
      this.#stats.bytes -= old.bytes.byteLength;
    }
    this.#tables.set(offset, table);
    this.#stats.bytes += table.bytes.byteLength;
    for (const [key, victim] of this.#tables) {
      if (this.#stats.bytes <= this.#maxBytes || this.#tables.size <= 1) break;
      this.#tables.delete(key);
      this.#stats.bytes -= victim.bytes.byteLength;
      this.#stats.evictions++;
    }
  }

  /** Drops every table (after a repair rewrote tables on disk). */
  clear(): void {
    this.#tables.clear();
    this.#stats.bytes = 0;
  }

  /** A copy of the counters. */
  stats(): L2CacheStats {
    return { ...this.#stats };
  }
}
