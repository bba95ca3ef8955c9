/**
 * A `SyncFile` wrapper that behaves like storage whose quota ends at a set length: writes and
 * truncates that would grow the file past the limit throw `QedQuotaError` (as `OpfsFile` turns a
 * `QuotaExceededError` into), and change nothing. Test code only: the browser tests plug it into
 * their own disk worker entry.
 */
import type { FileRange, SyncFile } from '../../src/engine/sync-file.ts';
import { QedQuotaError } from '../../src/qed/errors.ts';

/** A file whose growth is limited to `limit` bytes (null: unlimited). */
export class QuotaLimitedFile implements SyncFile {
  readonly #inner: SyncFile;
  #limit: number | null;

  /** Wraps `inner` (closed with it) under `limit` bytes, or none. */
  constructor(inner: SyncFile, limit: number | null = null) {
    this.#inner = inner;
    this.#limit = limit;
  }

  /** Sets (bytes) or lifts (null) the limit. */
  setLimit(limit: number | null): void {
    this.#limit = limit;
  }

  read(buffer: Uint8Array, range: FileRange): number {
    return this.#inner.read(buffer, range);
  }

  write(buffer: Uint8Array, range: FileRange): number {
    this.#checkGrowth(range.at + buffer.byteLength);
    return this.#inner.write(buffer, range);
  }

  getSize(): number {
    return this.#inner.getSize();
  }

  truncate(size: number): void {
    this.#checkGrowth(size);
    this.#inner.truncate(size);
  }

  flush(): void {
    this.#inner.flush();
  }

  close(): void {
    this.#inner.close();
  }

  #checkGrowth(end: number): void {
    if (this.#limit === null || end <= this.#limit || end <= this.#inner.getSize()) return;
    throw new QedQuotaError(`QuotaExceededError: growing the file to ${end} bytes passes the test's limit of ${this.#limit} bytes`);
  }
}
