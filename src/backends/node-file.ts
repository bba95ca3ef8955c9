/** A `SyncFile` over a Node.js file descriptor (synchronous `fs` calls). Node only. */
import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import type { FileRange, SyncFile } from '../engine/sync-file.ts';

/** How to open a `NodeFile`. */
export type NodeFileMode = 'read' | 'readwrite' | 'create';

/** A `SyncFile` backed by a file on the local file system. */
export class NodeFile implements SyncFile {
  readonly #fd: number;
  /** The path this file was opened from. */
  readonly path: string;
  #closed = false;

  private constructor(path: string, fd: number) {
    this.path = path;
    this.#fd = fd;
  }

  /**
   * Opens `path`: `read` (must exist, read-only), `readwrite` (must exist) or `create` (created or
   * emptied). Node's own errors (`ENOENT`, `EACCES`, ...) propagate unchanged.
   */
  static open(path: string, mode: NodeFileMode): NodeFile {
    const flags = mode === 'read' ? 'r' : mode === 'readwrite' ? 'r+' : 'w+';
    return new NodeFile(path, openSync(path, flags));
  }

  /** Reads into `buffer` at file offset `range.at`; returns the bytes read (fewer at the end of the file). */
  read(buffer: Uint8Array, { at }: FileRange): number {
    return readSync(this.#fd, buffer, 0, buffer.byteLength, at);
  }

  /** Writes `buffer` at file offset `range.at`, growing the file as needed; returns the bytes written. */
  write(buffer: Uint8Array, { at }: FileRange): number {
    return writeSync(this.#fd, buffer, 0, buffer.byteLength, at);
  }

  /** The file's length in bytes. */
  getSize(): number {
    return fstatSync(this.#fd).size;
  }

  /** Sets the file's length to `size` bytes (new bytes read as zeros). */
  truncate(size: number): void {
    ftruncateSync(this.#fd, size);
  }

  /** Makes completed writes durable (fdatasync). */
  flush(): void {
    fdatasyncSync(this.#fd);
  }

  /** Closes the file descriptor. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.#fd);
  }
}
