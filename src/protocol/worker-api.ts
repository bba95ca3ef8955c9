/**
 * The wire contract between the page and the disk worker (`worker/disk-worker.ts`), which
 * exposes a `DiskWorkerApi` with Comlink. Types only. Disks are addressed by the numeric id
 * `open` returns; sizes and offsets are in bytes. Reads, writes, zero writes and flushes do not
 * go through this API: they travel on the block lane (`block-messages.ts`), batched per task.
 */
import type { CheckOptions, CheckReport, Extent } from '../engine/types.ts';
import type { BaseDownloadProgress, DiskInfo, OpenDiskOptions, Progress, RemoteBaseStatus } from './types.ts';

/** Options of `DiskWorkerApi.open`: the page's `OpenDiskOptions`, cloned. */
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
  /** The backing name in the disk's header (an OPFS file name or a URL), or null. */
  base: string | null;
}

/** A snapshot file of a disk, as the worker finds it in OPFS. */
export interface SnapshotFile {
  /** The snapshot's id. */
  id: string;
  /** Length of the file in bytes, or null when unknown. */
  physicalSize: number | null;
  /** Last modification of the file (about when it was frozen), in milliseconds since the epoch, or null. */
  lastModified: number | null;
  /** The snapshot it sits on, or null when it sits on the base (or on nothing). */
  parentId: string | null;
  /** True when the disk's live overlay sits directly on it. */
  current: boolean;
  /** Files whose header names it as their backing file. */
  dependents: string[];
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
  /** `raw` for a raw base file, `qed` for a disk. */
  format?: 'qed' | 'raw';
}

/** Options of `DiskWorkerApi.importDisk`. */
export interface WorkerImportOptions {
  /** Bytes per cluster of the QED image made from a raw file; default 64 KiB. Ignored for QED files. */
  clusterSize?: number;
  /** Keep the bytes as they are, as the raw base `NAME.raw` (for overlays), instead of making a QED disk. */
  keepRaw?: boolean;
}

/** What an import produced. */
export interface ImportResult {
  /** Virtual size of the new disk in bytes. */
  size: number;
  /** What the source was: a raw image (converted) or a QED image (taken as is). */
  source: 'raw' | 'qed';
  /** Bytes of data clusters the new disk uses (for a kept raw base: its length). */
  allocatedBytes: number;
  /** How it is stored: a QED disk, or a raw base kept as it is. */
  format?: 'qed' | 'raw';
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
  /** The open disk's HTTP base cache status, answered at once (not behind queued requests); null without one. */
  baseStatus(id: number): Promise<RemoteBaseStatus | null>;
  /** Caches the whole HTTP base of the open disk; null when it has none. Does not wait behind guest requests. */
  makeAvailableOffline(id: number, onProgress?: (progress: BaseDownloadProgress) => void | Promise<void>): Promise<RemoteBaseStatus | null>;
  /** Writes everything the open disk shows into a standalone QED file in OPFS and returns it. */
  exportFlattened(id: number, onProgress?: ProgressCallback): Promise<File>;
  /** The storage state of the open disk's overlay, in guest order. */
  map(id: number): Promise<Extent[]>;
  /** Replaces disk `name`'s overlay by an empty one on its original base (open here: in place; in another tab: `DiskBusyError`). */
  resetDisk(name: string): Promise<void>;
  /** Freezes disk `name`'s overlay as a snapshot and puts an empty overlay on top of it. */
  snapshotDisk(name: string): Promise<SnapshotFile>;
  /** The snapshot files of disk `name`, oldest first. */
  listSnapshots(name: string): Promise<SnapshotFile[]>;
  /** Replaces disk `name`'s overlay by an empty one on snapshot `snapshotId`. */
  restoreSnapshot(name: string, snapshotId: string): Promise<void>;
  /** Deletes snapshot `snapshotId` of disk `name`; `DiskInUseError` while a file sits on it. */
  deleteSnapshot(name: string, snapshotId: string): Promise<void>;
}
