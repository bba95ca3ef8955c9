/**
 * Reading through a one-level block map (VHD BAT, VDI block map, VHDX BAT, VMDK grain tables):
 * fixed-size blocks, each stored at some file offset, reading as zeros, or not allocated.
 */
import type { SyncFile } from '../engine/sync-file.ts';
import { readFully } from '../engine/sync-file.ts';
import { type BlockStatus, assertReadInside } from './image-reader.ts';

/** Where a block is: a file offset, `zero` (reads as zeros here), or null (not allocated). */
export type BlockHost = number | 'zero' | null;

/** A run of consecutive blocks of one kind (data runs follow each other in the file). */
export interface BlockRun {
  /** File offset of the run's first byte, `zero`, or null. */
  host: BlockHost;
  /** Bytes in the run. */
  length: number;
}

/**
 * The run starting at guest `position` and ending at or before `end`, for blocks of
 * `blockSize` bytes whose place `hostOf(index)` gives.
 */
export function blockRunAt(position: number, end: number, blockSize: number, hostOf: (index: number) => BlockHost): BlockRun {
  const first = hostOf(Math.floor(position / blockSize));
  const host = typeof first === 'number' ? first + (position % blockSize) : first;
  let next = position - (position % blockSize) + blockSize;
  while (next < end) {
    const following = hostOf(next / blockSize);
    if (typeof host === 'number' ? following !== host + (next - position) : following !== host) break;
    next += blockSize;
  }
  return { host, length: Math.min(next, end) - position };
}

/** Fills `target` with the guest bytes at `offset`, one file read per run of data blocks. */
export function readBlocks(file: SyncFile, offset: number, target: Uint8Array, blockSize: number, hostOf: (index: number) => BlockHost): void {
  const end = offset + target.byteLength;
  for (let position = offset; position < end; ) {
    const run = blockRunAt(position, end, blockSize, hostOf);
    const piece = target.subarray(position - offset, position - offset + run.length);
    if (typeof run.host === 'number') readFully(file, piece, run.host);
    else piece.fill(0);
    position += run.length;
  }
}

/** The allocation status of the run at `offset` of a disk of `size` bytes. */
export function blockStatusAt(offset: number, size: number, blockSize: number, hostOf: (index: number) => BlockHost): BlockStatus {
  const run = blockRunAt(offset, size, blockSize, hostOf);
  return { kind: typeof run.host === 'number' ? 'data' : run.host === 'zero' ? 'zero' : 'unallocated', length: run.length };
}

/**
 * The read side shared by the formats whose disk is a one-level map of fixed-size blocks (VDI,
 * VHD, VHDX, uncompressed VMDK): a subclass only says where block `index` is. No backing image.
 */
export abstract class BlockMapReader {
  readonly backing = null;
  /** Virtual size in bytes. */
  readonly size: number;
  readonly #file: SyncFile;
  readonly #blockSize: number;
  readonly #hostOf = (index: number): BlockHost => this.hostOf(index);

  /** Reads `size` bytes of disk from `file` (taken over: `close` closes it) in blocks of `blockSize` bytes. */
  protected constructor(file: SyncFile, size: number, blockSize: number) {
    this.#file = file;
    this.size = size;
    this.#blockSize = blockSize;
  }

  /** Where block `index` (inside the disk) is: a file offset, `zero`, or null when not allocated. */
  protected abstract hostOf(index: number): BlockHost;

  /** The image file. */
  protected get file(): SyncFile {
    return this.#file;
  }

  /** Fills `target` with the disk's bytes at `offset`. Throws `QedRangeError` outside the disk. */
  readInto(offset: number, target: Uint8Array): void {
    assertReadInside(offset, target.byteLength, this.size);
    readBlocks(this.#file, offset, target, this.#blockSize, this.#hostOf);
  }

  /** The allocation kind of the run at `offset` (see `ImageReader.blockStatus`). */
  blockStatus(offset: number): BlockStatus {
    assertReadInside(offset, 1, this.size);
    return blockStatusAt(offset, this.size, this.#blockSize, this.#hostOf);
  }

  /** Closes the file. */
  close(): void {
    this.#file.close();
  }
}
