/**
 * A `SyncFile` that counts what a reader asks of it: the bytes requested by every `read` and the
 * largest single request, which bounds the buffers the readers allocate. Deterministic, unlike
 * any timing.
 */
import type { FileRange, SyncFile } from '../../../src/engine/sync-file.ts';

/** Read counters of a `CountingFile`. */
export interface ReadCounts {
  /** Bytes requested by all reads. */
  bytesRequested: number;
  /** Largest single read request, in bytes. */
  largestRequest: number;
  /** Number of read calls. */
  reads: number;
}

/** Wraps `inner` (taken over) and counts its reads into `counts`. */
export class CountingFile implements SyncFile {
  readonly #inner: SyncFile;
  readonly counts: ReadCounts;

  constructor(inner: SyncFile, counts: ReadCounts = { bytesRequested: 0, largestRequest: 0, reads: 0 }) {
    this.#inner = inner;
    this.counts = counts;
  }

  read(buffer: Uint8Array, range: FileRange): number {
    this.counts.reads++;
    this.counts.bytesRequested += buffer.byteLength;
    this.counts.largestRequest = Math.max(this.counts.largestRequest, buffer.byteLength);
    return this.#inner.read(buffer, range);
  }

  write(buffer: Uint8Array, range: FileRange): number {
    return this.#inner.write(buffer, range);
  }

  getSize(): number {
    return this.#inner.getSize();
  }

  truncate(size: number): void {
    this.#inner.truncate(size);
  }

  flush(): void {
    this.#inner.flush();
  }

  close(): void {
    this.#inner.close();
  }
}
