/** Sequential output for compaction: bytes appended at a growing file offset, written in large pieces. Internal to the engine. */
import { type SyncFile, writeFully } from './sync-file.ts';

/** Appends byte ranges to a file from a start offset on, gathering small ones into one buffer. */
export class AppendWriter {
  readonly #file: SyncFile;
  readonly #buffer: Uint8Array;
  /** File offset of the buffer's first byte. */
  #bufferAt: number;
  /** Bytes of the buffer in use. */
  #filled = 0;

  /** Appends to `file` from offset `start` on, in writes of up to `bufferBytes` bytes. */
  constructor(file: SyncFile, start: number, bufferBytes: number) {
    this.#file = file;
    this.#bufferAt = start;
    this.#buffer = new Uint8Array(bufferBytes);
  }

  /** Appends a copy of `bytes` and returns the file offset it will have. */
  append(bytes: Uint8Array): number {
    const at = this.#bufferAt + this.#filled;
    if (this.#filled + bytes.byteLength > this.#buffer.byteLength) {
      this.finish();
      if (bytes.byteLength > this.#buffer.byteLength) {
        writeFully(this.#file, bytes, at);
        this.#bufferAt += bytes.byteLength;
        return at;
      }
    }
    this.#buffer.set(bytes, this.#filled);
    this.#filled += bytes.byteLength;
    return at;
  }

  /** Writes what the buffer holds. */
  finish(): void {
    if (this.#filled === 0) return;
    writeFully(this.#file, this.#buffer.subarray(0, this.#filled), this.#bufferAt);
    this.#bufferAt += this.#filled;
    this.#filled = 0;
  }
}
