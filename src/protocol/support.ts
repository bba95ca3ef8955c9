/** What qedisk needs of the browser, as the worker and the page find it (see `getSupport`). */

/** The disk worker's findings, tried in the worker itself. */
export interface WorkerSupport {
  /** `navigator.storage.getDirectory()` works in the worker. */
  opfs: boolean;
  /** A sync access handle could be opened on an OPFS file. */
  syncAccessHandles: boolean;
  /** Its `getSize` returned a number (not a promise, as in Chromium before 108 and Safari before 16.4). */
  synchronousHandleMethods: boolean;
  /** `navigator.locks` is there (one tab per disk). */
  webLocks: boolean;
  /** What failed while trying, or null. */
  problem: string | null;
}
