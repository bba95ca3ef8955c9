/**
 * `OpenDevice`: what the worker's block requests (read, write, flush, info, close) need from an
 * open disk. A `DiskSession` (a QED disk, in OPFS or in memory) is one; the bench-only raw OPFS
 * baseline (`RawBaseline`) is the other. Offsets and lengths in bytes.
 */
import type { DiskInfo } from '../src/protocol/types.ts';

/** An open disk as the block requests see it. Requests complete in the order they were made. */
export interface OpenDevice {
  /** The disk's name. */
  readonly name: string;
  /** Virtual size in bytes. */
  readonly size: number;
  /** The backing name in the disk's header, or null. */
  readonly backingName: string | null;
  /** Reads `length` bytes at `offset` into a new buffer the caller owns. */
  read(offset: number, length: number): Promise<Uint8Array<ArrayBuffer>>;
  /** Writes `data` at `offset`; `data` is not kept. */
  write(offset: number, data: Uint8Array): Promise<void>;
  /** Makes `[offset, offset + length)` read as zeros. */
  writeZeroes(offset: number, length: number): Promise<void>;
  /** Makes completed writes durable. */
  flush(): Promise<void>;
  /** Sizes, geometry and counters. */
  info(): Promise<DiskInfo>;
  /** Flushes and releases everything the disk holds (its lock included). */
  close(): Promise<void>;
}
