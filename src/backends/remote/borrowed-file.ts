/** A `SyncFile` lent to someone who will close it, while its owner keeps the real file open. */
import { QedClosedError } from '../../qed/errors.ts';
import type { FileRange, SyncFile } from '../../engine/sync-file.ts';

/** Forwards every call to another `SyncFile`, except `close`, which only ends this loan. */
export class BorrowedFile implements SyncFile {
  readonly #inner: SyncFile;
  #closed = false;

  /** Lends `inner`, which stays the caller's (closing the loan does not close it). */
  constructor(inner: SyncFile) {
    this.#inner = inner;
  }

  read(buffer: Uint8Array, range: FileRange): number {
    return this.#open().read(buffer, range);
  }

  write(buffer: Uint8Array, range: FileRange): number {
    return this.#open().write(buffer, range);
  }

  getSize(): number {
    return this.#open().getSize();
  }

  truncate(size: number): void {
    this.#open().truncate(size);
  }

  flush(): void {
    this.#open().flush();
  }

  /** Ends the loan; later calls throw `QedClosedError`. The lent file stays open. */
  close(): void {
    this.#closed = true;
  }

  #open(): SyncFile {
    if (this.#closed) throw new QedClosedError('this borrowed file was closed');
    return this.#inner;
  }
}
