/**
 * Crash snapshots: a `SyncFile` over a `MemoryFile` that copies the file's bytes after every
 * write and truncate, so a test can hand QEMU the file exactly as a crash between two file
 * calls would leave it.
 */
import { MemoryFile } from '../../src/node.ts';
import type { FileRange, SyncFile } from '../../src/node.ts';

/** The file as it was right after one file call. */
export interface CrashSnapshot {
  /** 1-based number of the file call (write or truncate) since recording started. */
  readonly call: number;
  /** Guest operation in flight (index into the workload), or the number of operations when idle. */
  readonly operation: number;
  readonly bytes: Uint8Array;
}

/** Records a snapshot after every mutating call while `recording` is on. */
export class CrashRecorder implements SyncFile {
  readonly #file = new MemoryFile();
  readonly snapshots: CrashSnapshot[] = [];
  /** Turn on once the image exists; snapshots are taken only while true. */
  recording = false;
  /** The guest operation in flight; the test sets it before each one. */
  operation = 0;

  read(buffer: Uint8Array, range: FileRange): number {
    return this.#file.read(buffer, range);
  }

  write(buffer: Uint8Array, range: FileRange): number {
    const written = this.#file.write(buffer, range);
    this.#record();
    return written;
  }

  getSize(): number {
    return this.#file.getSize();
  }

  truncate(size: number): void {
    this.#file.truncate(size);
    this.#record();
  }

  flush(): void {
    this.#file.flush();
  }

  close(): void {
    this.#file.close();
  }

  /** The file's current bytes. */
  bytes(): Uint8Array {
    return this.#file.snapshot();
  }

  #record(): void {
    if (this.recording) this.snapshots.push({ call: this.snapshots.length + 1, operation: this.operation, bytes: this.#file.snapshot() });
  }
}
