/**
 * Wraps a storage backend so that its failures reach callers as `QedIoError` (a `QedError` the
 * backend threw itself, such as `QedQuotaError`, passes unchanged). Engine bugs elsewhere are
 * not disguised as I/O errors.
 */
import { QedError, QedIoError } from '../qed/errors.ts';
import type { FileRange, SyncFile } from './sync-file.ts';

/** Converts anything a backend throws into a `QedError`. */
function asQedError(error: unknown, operation: string): QedError {
  if (error instanceof QedError) return error;
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new QedIoError(`${operation} failed: ${detail}`, error);
}

/** A `SyncFile` whose every failure is a `QedError`. */
export class GuardedFile implements SyncFile {
  readonly #inner: SyncFile;

  /** Wraps `inner` (taken over: `close` closes it). */
  constructor(inner: SyncFile) {
    this.#inner = inner;
  }

  read(buffer: Uint8Array, range: FileRange): number {
    try {
      return this.#inner.read(buffer, range);
    } catch (error) {
      throw asQedError(error, `read of ${buffer.byteLength} bytes at ${range.at}`);
    }
  }

  write(buffer: Uint8Array, range: FileRange): number {
    try {
      return this.#inner.write(buffer, range);
    } catch (error) {
      throw asQedError(error, `write of ${buffer.byteLength} bytes at ${range.at}`);
    }
  }

  getSize(): number {
    try {
      return this.#inner.getSize();
    } catch (error) {
      throw asQedError(error, 'getSize');
    }
  }

  truncate(size: number): void {
    try {
      this.#inner.truncate(size);
    } catch (error) {
      throw asQedError(error, `truncate to ${size}`);
    }
  }

  flush(): void {
    try {
      this.#inner.flush();
    } catch (error) {
      throw asQedError(error, 'flush');
    }
  }

  close(): void {
    try {
      this.#inner.close();
    } catch (error) {
      throw asQedError(error, 'close');
    }
  }
}
