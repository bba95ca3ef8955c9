/** Read-only block sources: what a backing image is to the engine. */
import type { SyncFile } from './sync-file.ts';
import { readFully } from './sync-file.ts';

/** A read-only virtual disk of `size` bytes. */
export interface BlockReader {
  /** Virtual size in bytes. */
  readonly size: number;
  /** Fills `target` with the disk's bytes starting at `offset`; the range lies inside `size`. */
  readInto(offset: number, target: Uint8Array): void;
  /** Releases the source and anything it holds open. */
  close(): void;
}

/** A raw image: the file's bytes are the disk's bytes, and its size is the file's length. */
export class RawImage implements BlockReader {
  readonly #file: SyncFile;
  /** Virtual size in bytes (the file's length at open). */
  readonly size: number;

  /** Wraps `file` (taken over: `close` closes it). */
  constructor(file: SyncFile) {
    this.#file = file;
    this.size = file.getSize();
  }

  /** Fills `target` with the guest bytes at `offset` (bytes from the start of the disk). */
  readInto(offset: number, target: Uint8Array): void {
    readFully(this.#file, target, offset);
  }

  /** Releases the reader (and what it holds open). */
  close(): void {
    this.#file.close();
  }
}

/**
 * Reads `target.byteLength` bytes at `offset` from `source`, with zeros for whatever lies past
 * the source's end (a backing image shorter than its overlay reads as zeros beyond its end).
 */
export function readClipped(source: BlockReader, offset: number, target: Uint8Array): void {
  const available = Math.max(0, Math.min(target.byteLength, source.size - offset));
  if (available > 0) source.readInto(offset, available === target.byteLength ? target : target.subarray(0, available));
  if (available < target.byteLength) target.fill(0, available);
}
