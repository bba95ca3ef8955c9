/**
 * `L2Table`: one L2 table of an open image, read and changed a page at a time through the L2
 * cache. Only the pages a request touches are read, so a lookup costs one page (4 KiB by
 * default) however large the table. A change goes to the file before the call returns, except a
 * deferred one (group commit, `pending-tables.ts`), which waits in its cached page (kept there); every other
 * change first commits those that wait, so no sector reaches the file with entries whose data is
 * not yet durable. The cached page is the only copy in memory.
 */
import { TABLE_ENTRY_SIZE_BYTES } from '../qed/constants.ts';
import { Table } from '../qed/table.ts';
import type { L2Cache } from './l2-cache.ts';
import type { PendingTableWrites } from './pending-tables.ts';
import { type SyncFile, readFully, writeFully } from './sync-file.ts';

/** Where an `L2Table` finds its pages. */
export interface L2PageStore {
  readonly file: SyncFile;
  readonly cache: L2Cache;
  /** Bytes per page: a power of two, at least 512, at most the table's size. */
  readonly pageBytes: number;
  /** Deferred changes waiting for a group commit. */
  readonly pending: PendingTableWrites;
  /** Makes the deferred changes durable: flushes the data, then writes their sectors. */
  commitPending(): void;
}

/** An L2 table in the file at `offset`, whose bytes the caller checked lie inside the file. */
export class L2Table {
  /** File offset of the table, in bytes. */
  readonly offset: number;
  readonly #store: L2PageStore;
  readonly #entriesPerPage: number;

  constructor(store: L2PageStore, offset: number) {
    this.#store = store;
    this.offset = offset;
    this.#entriesPerPage = store.pageBytes / TABLE_ENTRY_SIZE_BYTES;
  }

  /**
   * Seeds the cache with the pages of a table whose whole bytes are known (a new table just
   * written), so the writes that follow it find them in memory.
   */
  static seed(store: L2PageStore, offset: number, bytes: Uint8Array): L2Table {
    for (let at = 0; at < bytes.byteLength; at += store.pageBytes) store.cache.put(offset + at, new Table(bytes.slice(at, at + store.pageBytes)));
    return new L2Table(store, offset);
  }

  /** Entry `index` (a file offset, 0 or 1; `Infinity` beyond 2^53). */
  get(index: number): number {
    return this.#page(Math.floor(index / this.#entriesPerPage)).get(index % this.#entriesPerPage);
  }

  /**
   * Sets `count` entries from `index` on to `first`, `first + step`, ... and writes the 512-byte
   * sectors they span, page by page. When a write fails, the page it was for is restored in
   * memory and the error thrown; pages written before it keep their (written) change.
   */
  update(index: number, count: number, first: number, step: number): void {
    this.#store.commitPending();
    this.#fillPages(index, count, first, step, (page, at, range) => writeFully(this.#store.file, page.bytes.subarray(range.start, range.start + range.length), at + range.start));
  }

  /**
   * Like `update`, but the changed sectors wait in their cached pages for the next group commit
   * (`L2PageStore.commitPending`); lookups see the new entries at once.
   */
  updateDeferred(index: number, count: number, first: number, step: number): void {
    this.#fillPages(index, count, first, step, (page, at, range) => this.#store.pending.add(at, page, range.start, range.start + range.length));
  }

  /**
   * Fills the entries page by page, handing each changed page, its file offset and its changed
   * sectors to `then`; when `then` throws, that page's change is undone in memory.
   */
  #fillPages(index: number, count: number, first: number, step: number, then: (page: Table, at: number, range: { start: number; length: number }) => void): void {
    for (let done = 0; done < count; ) {
      const pageIndex = Math.floor((index + done) / this.#entriesPerPage);
      const inPage = (index + done) % this.#entriesPerPage;
      const n = Math.min(count - done, this.#entriesPerPage - inPage);
      const page = this.#page(pageIndex);
      const range = Table.sectorRange(inPage, n);
      const previous = page.bytes.slice(range.start, range.start + range.length);
      page.fill(inPage, n, first + done * step, step);
      try {
        then(page, this.offset + pageIndex * this.#store.pageBytes, range);
      } catch (error) {
        page.bytes.set(previous, range.start);
        throw error;
      }
      done += n;
    }
  }

  /**
   * Sets the entries at `indices` (ascending) to `value`, writing each page's span of changed
   * sectors once (so at most the table's size in all, however scattered the entries). A failed
   * write restores that page in memory and throws.
   */
  updateEach(indices: readonly number[], value: number): void {
    this.#store.commitPending();
    for (let start = 0; start < indices.length; ) {
      const pageIndex = Math.floor(indices[start]! / this.#entriesPerPage);
      let end = start;
      while (end < indices.length && Math.floor(indices[end]! / this.#entriesPerPage) === pageIndex) end++;
      const first = indices[start]! % this.#entriesPerPage;
      const last = indices[end - 1]! % this.#entriesPerPage;
      const page = this.#page(pageIndex);
      const range = Table.sectorRange(first, last - first + 1);
      const previous = page.bytes.slice(range.start, range.start + range.length);
      for (let i = start; i < end; i++) page.set(indices[i]! % this.#entriesPerPage, value);
      try {
        writeFully(this.#store.file, page.bytes.subarray(range.start, range.start + range.length), this.offset + pageIndex * this.#store.pageBytes + range.start);
      } catch (error) {
        page.bytes.set(previous, range.start);
        throw error;
      }
      start = end;
    }
  }

  /** Page `pageIndex`, from the cache or read from the file into it. */
  #page(pageIndex: number): Table {
    const at = this.offset + pageIndex * this.#store.pageBytes;
    const cached = this.#store.cache.get(at);
    if (cached) return cached;
    const page = Table.empty(this.#store.pageBytes);
    readFully(this.#store.file, page.bytes, at);
    this.#store.cache.put(at, page);
    return page;
  }
}
