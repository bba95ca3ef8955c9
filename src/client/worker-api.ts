/**
 * The wire contract between the page and the disk worker (`worker/disk-worker.ts`), which
 * exposes a `DiskWorkerApi` with Comlink. Types only. Disks are addressed by the numeric id
 * `open` returns; sizes and offsets are in bytes. Buffers cross with `Comlink.transfer`.
 */
import type { CheckOptions, CheckReport } from '../engine/types.ts';
import type { DiskInfo, OpenDiskOptions, Progress } from './types.ts';

/**
 * Options of `DiskWorkerApi.open`. Starts as `OpenDiskOptions`; later issues add fields such as
 * a `backing` (another OPFS disk or an HTTP URL as base).
 */
export type WorkerOpenOptions = OpenDiskOptions;

/** What `DiskWorkerApi.open` returns. */
export interface OpenedDisk {
  /** Handle for every later call about this disk. */
  id: number;
  /** The disk's name. */
  name: string;
  /** Virtual size in bytes. */
  size: number;
  /** True when this call created the disk. */
  created: boolean;
}

/** A disk file found in the OPFS folder. */
export interface StoredDisk {
  /** The disk's name. */
  name: string;
  /** Virtual size in bytes from the header, or null when the file could not be read (e.g. open in another tab). */
  virtualSize: number | null;
  /** Length of the `.qed` file in bytes, or null when unknown. */
  physicalSize: number | null;
  /** Last modification of the file, in milliseconds since the epoch, or null when unknown. */
  lastModified: number | null;
}

/** Options of `DiskWorkerApi.importDisk`. */
export interface WorkerImportOptions {
  /** Bytes per cluster of the QED image made from a raw file; default 64 KiB. Ignored for QED files. */
  clusterSize?: number;
}

/** What an import produced. */
export interface ImportResult {
  /** Virtual size of the new disk in bytes. */
  size: number;
  /** What the source was: a raw image (converted) or a QED image (taken as is). */
  source: 'raw' | 'qed';
  /** Bytes of data clusters the new disk uses. */
  allocatedBytes: number;
}

/** Receives progress reports; may be a Comlink proxy of a page function. */
export type ProgressCallback = (progress: Progress) => void | Promise<void>;

/** The API the disk worker exposes. Every method rejects with typed errors (see `reviveError`). */
export interface DiskWorkerApi {
  /**
   * Opens (or, with `options.create`, creates) disk `name`: takes its Web Lock, opens the sync
   * access handle and the QED image. Rejects with `DiskBusyError`, `DiskNotFoundError`,
   * `QedArgumentError`, `QedFormatError`, ...
   */
  open(name: string, options: WorkerOpenOptions): Promise<OpenedDisk>;
  /** Reads `length` bytes at `offset`; the buffer is transferred to the caller. */
  read(id: number, offset: number, length: number): Promise<Uint8Array>;
  /** Writes `data` (transferred to the worker) at `offset`. */
  write(id: number, offset: number, data: Uint8Array): Promise<void>;
  /** Makes `[offset, offset + length)` read as zeros. */
  writeZeroes(id: number, offset: number, length: number): Promise<void>;
  /** Makes completed writes durable. */
  flush(id: number): Promise<void>;
  /** Sizes, geometry and counters. */
  info(id: number): Promise<DiskInfo>;
  /** Consistency check (with repair when asked). */
  check(id: number, options: CheckOptions): Promise<CheckReport>;
  /** Flushes, marks clean and returns the `.qed` file as a `File` snapshot. */
  exportFile(id: number): Promise<File>;
  /** Flushes, marks clean, closes the handle and releases the lock. */
  close(id: number): Promise<void>;
  /** The disk files in the OPFS folder. */
  list(): Promise<StoredDisk[]>;
  /** Deletes disk `name` (taking its lock first); resolves false when there was no such file. */
  remove(name: string): Promise<boolean>;
  /** Makes disk `name` from `source` (raw or QED), streaming it in chunks. */
  importDisk(name: string, source: Blob, options: WorkerImportOptions, onProgress?: ProgressCallback): Promise<ImportResult>;
  /** Test hook: limits (bytes) or unlimits (null) the growth of the open disk's file, as a full quota would. */
  setQuotaLimit(id: number, bytes: number | null): Promise<void>;
}
