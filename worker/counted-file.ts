/**
 * `CountedFile`: a read-only loan of a backing `SyncFile` that counts the reads made through it.
 * The engine closes the files a resolver gives it; closing a loan leaves the lent file open, so a
 * backing chain can be reopened (after a reset, a snapshot, or a retried open) without reopening
 * every OPFS handle and the remote cache.
 */
import type { FileRange, SyncFile } from '../src/engine/sync-file.ts';
import { QedClosedError, QedReadOnlyError } from '../src/qed/errors.ts';

/** Reads made through the loans of one backing file. */
export interface ReadCounter {
  /** `read` calls. */
  reads: number;
  /** Bytes those calls returned. */
  bytesRead: number;
}

/** A read-only, counting loan of a `SyncFile`; `close` ends the loan only. */
export class CountedFile implements SyncFile {
  readonly #inner: SyncFile;
  readonly #counter: ReadCounter;
  #closed = false;

  /** Lends `inner` (still the caller's), adding every read to `counter`. */
  constructor(inner: SyncFile, counter: ReadCounter) {
    this.#inner = inner;
    this.#counter = counter;
  }

  read(buffer: Uint8Array, range: FileRange): number {
    const count = this.#open().read(buffer, range);
    this.#counter.reads++;
    this.#counter.bytesRead += count;
    return count;
  }

  /** Always throws `QedReadOnlyError`: backing files are never written. */
  write(_buffer: Uint8Array, _range: FileRange): number {
    this.#open();
    throw new QedReadOnlyError('a backing file is read-only');
  }

  getSize(): number {
    return this.#open().getSize();
  }

  /** Always throws `QedReadOnlyError`: backing files are never written. */
  truncate(_size: number): void {
    this.#open();
    throw new QedReadOnlyError('a backing file is read-only');
  }

  /** Nothing to make durable. */
  flush(): void {
    this.#open();
  }

  /** Ends the loan; later calls throw `QedClosedError`. The lent file stays open. */
  close(): void {
    this.#closed = true;
  }

  #open(): SyncFile {
    if (this.#closed) throw new QedClosedError('this backing file loan was closed');
    return this.#inner;
  }
}
