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

/** True when every byte of `bytes` is 0. Reads four bytes at a time when the view is aligned. */
export function isAllZero(bytes: Uint8Array): boolean {
  const { byteOffset, byteLength } = bytes;
  let index = 0;
  if (byteOffset % 4 === 0) {
    const words = new Uint32Array(bytes.buffer, byteOffset, byteLength >>> 2);
    for (let i = 0; i < words.length; i++) if (words[i] !== 0) return false;
    index = words.length * 4;
  }
  for (; index < byteLength; index++) if (bytes[index] !== 0) return false;
  return true;
}
