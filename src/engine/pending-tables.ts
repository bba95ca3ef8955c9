/**
 * Group commit over a backing image. An allocating write there must not let its L2 entry reach
 * the disk before its data (the guest would read zeros where it read backing data before), so
 * QEMU flushes between the two for every write. qedisk instead keeps the entries of several such
 * writes as changed bytes of their cached L2 pages (the guest reads them at once), and commits
 * them together: one flush makes all their data durable, then the changed table sectors are
 * written. A crash before the commit loses only writes that no flush has covered yet, which is
 * what a disk may do; callers that promise more (the worker answers a write only once it is in
 * the file) wait for the commit. Internal to the engine.
 */
import type { Table } from '../qed/table.ts';

/** Default allocations whose table updates may wait for one commit: 1, each write commits before it returns. */
export const DEFAULT_GROUP_COMMIT_LIMIT = 1;

/** The changed bytes of one cached L2 page, waiting for their commit. */
export interface PendingPage {
  /** File offset of the page, in bytes. */
  readonly offset: number;
  /** The cached page (the cache keeps it until the commit, see `has`). */
  readonly page: Table;
  /** Changed byte range within the page, `[start, end)`, in whole 512-byte sectors. */
  start: number;
  end: number;
}

/** The table updates of allocating writes whose data is written but not yet known durable. */
export class PendingTableWrites {
  readonly #pages = new Map<number, PendingPage>();
  /** Allocating writes recorded since the last commit. */
  allocations = 0;

  /** Records that bytes `[start, end)` of `page` (at file `offset`) changed and wait for the commit. */
  add(offset: number, page: Table, start: number, end: number): void {
    const known = this.#pages.get(offset);
    if (known) {
      known.start = Math.min(known.start, start);
      known.end = Math.max(known.end, end);
    } else {
      this.#pages.set(offset, { offset, page, start, end });
    }
  }

  /** True when the page at file `offset` waits (the L2 cache keeps it). */
  has(offset: number): boolean {
    return this.#pages.has(offset);
  }

  /** True when nothing waits. */
  get isEmpty(): boolean {
    return this.#pages.size === 0;
  }

  /** The waiting pages, in the order they were first changed. */
  pages(): IterableIterator<PendingPage> {
    return this.#pages.values();
  }

  /** Forgets page `offset` once its bytes are written. */
  written(offset: number): void {
    this.#pages.delete(offset);
    if (this.#pages.size === 0) this.allocations = 0;
  }
}
