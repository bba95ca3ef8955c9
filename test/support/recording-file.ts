/** A `SyncFile` wrapper that records every call and counts bytes, for asserting write order and work in tests. */
import type { FileRange, SyncFile } from '../../src/engine/sync-file.ts';

/** One recorded call. */
export type FileCall = { op: 'write'; at: number; length: number } | { op: 'flush' } | { op: 'truncate'; size: number };

/** Records writes, flushes and truncates made through it; reads pass straight through. */
export class RecordingFile implements SyncFile {
  readonly calls: FileCall[] = [];
  /** Bytes returned by `read` calls so far. */
  bytesRead = 0;
  /** Bytes passed to `write` calls so far. */
  bytesWritten = 0;
  readonly #inner: SyncFile;

  constructor(inner: SyncFile) {
    this.#inner = inner;
  }

  read(buffer: Uint8Array, range: FileRange): number {
    const read = this.#inner.read(buffer, range);
    this.bytesRead += read;
    return read;
  }
  write(buffer: Uint8Array, range: FileRange): number {
    this.calls.push({ op: 'write', at: range.at, length: buffer.byteLength });
    this.bytesWritten += buffer.byteLength;
    return this.#inner.write(buffer, range);
  }
  getSize(): number {
    return this.#inner.getSize();
  }
  truncate(size: number): void {
    this.calls.push({ op: 'truncate', size });
    this.#inner.truncate(size);
  }
  flush(): void {
    this.calls.push({ op: 'flush' });
    this.#inner.flush();
  }
  close(): void {
    this.#inner.close();
  }
}
