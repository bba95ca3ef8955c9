import type { Table } from '../qed/table.ts';

/**
 * A least-recently-used cache of L2 table pages, bounded in bytes and keyed by the page's file
 * offset. A page is an aligned piece of a table (4 KiB, 512 entries, by default), so a lookup in a
 * huge sparse disk reads one page, not a whole table of up to 32 MiB; tables smaller than a page
 * are one page.
 */

/** Default L2 cache budget in bytes (8 MiB: 2048 pages of 4 KiB). */
export const DEFAULT_L2_CACHE_BYTES = 8 * 1024 * 1024;

/** Default bytes per cached L2 page (512 entries). */
export const DEFAULT_L2_PAGE_BYTES = 4096;

/** Smallest page in bytes: one 512-byte sector, the unit of table updates. */
export const MIN_L2_PAGE_BYTES = 512;

/** Counters of an `L2Cache`. */
export interface L2CacheStats {
  /** Lookups answered from memory. */
  hits: number;
  /** Lookups that had to read the page from the file. */
  misses: number;
  /** Pages dropped to stay within budget. */
  evictions: number;
  /** Bytes currently held. */
  bytes: number;
}

/**
 * Cache of L2 pages (each a `Table` of its entries): callers change a page and write the changed
 * sectors to the file, at once or, for a group commit, later (the page is kept meanwhile); the
 * page held here is the only copy in memory. At least one page is always kept, whatever the budget.
 */
export class L2Cache {
  readonly #maxBytes: number;
  readonly #pages = new Map<number, Table>();
  /** True for the offset of a page that must stay (its changes wait for a group commit). */
  readonly #mustKeep: (offset: number) => boolean;
  readonly #stats: L2CacheStats = { hits: 0, misses: 0, evictions: 0, bytes: 0 };

  /**
   * Creates a cache holding at most `maxBytes` bytes of pages (but always one). Pages for which
   * `mustKeep` is true are never evicted, and may take the cache over budget (the group-commit
   * limit bounds them).
   */
  constructor(maxBytes: number = DEFAULT_L2_CACHE_BYTES, mustKeep: (offset: number) => boolean = () => false) {
    this.#maxBytes = maxBytes;
    this.#mustKeep = mustKeep;
  }

  /** The page at file offset `offset`, marking it most recently used and counting a hit, or undefined (a miss). */
  get(offset: number): Table | undefined {
    const page = this.#pages.get(offset);
    if (page === undefined) {
      this.#stats.misses++;
      return undefined;
    }
    this.#stats.hits++;
    this.#pages.delete(offset);
    this.#pages.set(offset, page);
    return page;
  }

  /** Keeps `page` (now owned by the cache) as the page at `offset`, evicting least recently used pages over budget. */
  put(offset: number, page: Table): void {
    const old = this.#pages.get(offset);
    if (old) {
      this.#pages.delete(offset);
      this.#stats.bytes -= old.bytes.byteLength;
    }
    this.#pages.set(offset, page);
    this.#stats.bytes += page.bytes.byteLength;
    for (const [key, victim] of this.#pages) {
      if (this.#stats.bytes <= this.#maxBytes || this.#pages.size <= 1) break;
      if (key === offset || this.#mustKeep(key)) continue; // the new page stays: its caller is about to use it
      this.#pages.delete(key);
      this.#stats.bytes -= victim.bytes.byteLength;
      this.#stats.evictions++;
    }
  }

  /** Drops every page (after a repair rewrote tables on disk; no page may be waiting for a commit then). */
  clear(): void {
    this.#pages.clear();
    this.#stats.bytes = 0;
  }

  /** A copy of the counters. */
  stats(): L2CacheStats {
    return { ...this.#stats };
  }
}
