/** An in-memory `SyncFile`: a growable byte array. Useful for tests, scratch disks and workers. */
import type { FileRange, SyncFile } from '../engine/sync-file.ts';

/** Smallest capacity step in bytes when the buffer grows. */
const MIN_GROWTH_BYTES = 64 * 1024;

/** A `SyncFile` kept entirely in memory. */
export class MemoryFile implements SyncFile {
  #bytes: Uint8Array;
  #size: number;
  #closed = false;

  /** Creates a file holding a copy of `initial` (empty by default). */
  constructor(initial?: Uint8Array) {
    this.#bytes = new Uint8Array(Math.max(initial?.byteLength ?? 0, MIN_GROWTH_BYTES));
    if (initial) this.#bytes.set(initial);
    this.#size = initial?.byteLength ?? 0;
  }

  /** A copy of the file's current contents. */
  snapshot(): Uint8Array {
    return this.#bytes.slice(0, this.#size);
  }

  /** Reads into `buffer` at file offset `range.at`; returns the bytes read (fewer at the end of the file). */
  read(buffer: Uint8Array, { at }: FileRange): number {
    this.#assertOpen();
    if (at >= this.#size) return 0;
    const count = Math.min(buffer.byteLength, this.#size - at);
    buffer.set(this.#bytes.subarray(at, at + count));
    return count;
  }

  /** Writes `buffer` at file offset `range.at`, growing the file as needed; returns the bytes written. */
  write(buffer: Uint8Array, { at }: FileRange): number {
    this.#assertOpen();
    const end = at + buffer.byteLength;
    this.#reserve(end);
    if (at > this.#size) this.#bytes.fill(0, this.#size, at);
    this.#bytes.set(buffer, at);
    if (end > this.#size) this.#size = end;
    return buffer.byteLength;
  }

  /** The file's length in bytes. */
  getSize(): number {
    this.#assertOpen();
    return this.#size;
  }

  /** Sets the file's length to `size` bytes (new bytes read as zeros). */
  truncate(size: number): void {
    this.#assertOpen();
    if (size > this.#size) {
      this.#reserve(size);
      this.#bytes.fill(0, this.#size, size);
    }
    this.#size = size;
  }

  /** Makes completed writes durable (nothing to do in memory). */
  flush(): void {
    this.#assertOpen();
  }

  /** Marks the file closed: later calls throw. */
  close(): void {
    this.#closed = true;
  }

  #reserve(capacity: number): void {
    if (capacity <= this.#bytes.byteLength) return;
    const grown = new Uint8Array(Math.max(capacity, this.#bytes.byteLength * 2, MIN_GROWTH_BYTES));
    grown.set(this.#bytes.subarray(0, this.#size));
    this.#bytes = grown;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('MemoryFile is closed');
  }
}
