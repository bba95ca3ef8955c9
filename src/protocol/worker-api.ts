/**
 * The wire contract between the page and the disk worker (`worker/disk-worker.ts`), which
 * exposes a `DiskWorkerApi` with Comlink. Types only. Disks are addressed by the numeric id
 * `open` returns; sizes and offsets are in bytes. Reads, writes, zero writes and flushes do not
 * go through this API: they travel on the block lane (`block-messages.ts`), batched per task.
 */
import type { WorkerSupport } from './support.ts';
import type { CheckOptions, CheckReport, Extent } from '../engine/types.ts';
import type { KeptImageFormat } from './base-names.ts';
import type { ProxyMarked } from 'comlink';
import type { FilesWorkerApi } from './files.ts';
import type { BaseDownloadProgress, DiskInfo, ImportProgress, OpenDiskOptions, Progress, RemoteBaseStatus } from './types.ts';
import type { VmWorkerReply, VmWorkerRequest } from './vm-saves.ts';
import type { CompactDiskProgress, CompactDiskResult, StorageFilesReport, WorkerCompactOptions } from './storage.ts';

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
  /** `qed` for a disk; for a base kept as it is, its format (`raw`, `qcow2`, `vmdk`, `vpc`, `vhdx`, `vdi`). */
  format?: 'qed' | 'raw' | KeptImageFormat;
}

/** Options of `DiskWorkerApi.importDisk`. */
export interface WorkerImportOptions {
  /** Bytes per cluster of the QED image made from a raw file; default 64 KiB. Ignored for QED files. */
  clusterSize?: number;
  /** Keep the bytes as they are, as the raw base `NAME.raw` (for overlays), instead of making a QED disk. */
  keepRaw?: boolean;
  /**
   * Keep the image as a base for overlays instead of making a QED disk: a qcow2, VMDK, dynamic VHD,
   * VHDX or VDI file as it is (`NAME.qcow2`, ...), a raw file or a fixed VHD's data as `NAME.raw`;
   * a QED file becomes a disk as usual (a QED disk is a base already).
   */
  keepAsBase?: boolean;
}

/** What an import produced. */
export interface ImportResult {
  /** Virtual size of the new disk in bytes. */
  size: number;
  /** What the source was (as probed; `vpc` is VHD): a raw image, a QED image (taken as is), or an image of another format. */
  source: 'raw' | 'qed' | KeptImageFormat;
  /** Bytes of data clusters the new disk uses (for a kept base: its file's length). */
  allocatedBytes: number;
  /** How it is stored: a QED disk, or a base kept as it is (in its own format). */
  format?: 'qed' | 'raw' | KeptImageFormat;
}

/** Options of `DiskWorkerApi.exportQcow2`. */
export interface WorkerQcow2ExportOptions {
  /** Deflate each cluster. */
  compressed: boolean;
  /** Bytes per qcow2 cluster; default 64 KiB. */
  clusterSize?: number;
}

/** Receives progress reports; may be a Comlink proxy of a page function. */
export type ProgressCallback = (progress: Progress) => void | Promise<void>;

/** Receives import progress reports (with a phase for two-pass imports); may be a Comlink proxy. */
export type ImportProgressCallback = (progress: ImportProgress) => void | Promise<void>;

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
  /** What this browser lets the worker do (OPFS, sync access handles, Web Locks), found by trying it. */
  probeSupport(): Promise<WorkerSupport>;
  /** Deletes disk `name` (taking its lock first); resolves false when there was no such file. */
  remove(name: string): Promise<boolean>;
  /**
   * Makes disk `name` (or, with `keepAsBase`, base `name`) from `source` (raw, QED, qcow2, VMDK,
   * VHD, VHDX or VDI, probed), streaming it in chunks. Rejects with `ImportBackingFileError` for an
   * image that has a backing file.
   */
  importDisk(name: string, source: Blob, options: WorkerImportOptions, onProgress?: ImportProgressCallback): Promise<ImportResult>;
  /** The open disk's HTTP base cache status, answered at once (not behind queued requests); null without one. */
  baseStatus(id: number): Promise<RemoteBaseStatus | null>;
  /** Caches the whole HTTP base of the open disk; null when it has none. Does not wait behind guest requests. */
  makeAvailableOffline(id: number, onProgress?: (progress: BaseDownloadProgress) => void | Promise<void>): Promise<RemoteBaseStatus | null>;
  /** Writes everything the open disk shows into a standalone QED file in OPFS and returns it. */
  exportFlattened(id: number, onProgress?: ProgressCallback): Promise<File>;
  /** Writes everything the open disk shows into a standalone qcow2 file in OPFS and returns it. */
  exportQcow2(id: number, options: WorkerQcow2ExportOptions, onProgress?: ProgressCallback): Promise<File>;
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
  /** The file systems on disks, read and written without booting a guest (see `files.ts`); a nested Comlink object. */
  readonly files: FilesWorkerApi & ProxyMarked;
  /** The disk side of VM save points (tagged snapshots, their export and import); see `vm-saves.ts`. */
  vmSaves(request: VmWorkerRequest): Promise<VmWorkerReply>;
  /** Where the origin's private file system goes: disks, base caches, stray files, other folders (see `storage.ts`). */
  storageReport(): Promise<StorageFilesReport>;
  /**
   * Compacts disk `name`'s files crash-safely (open here: in its queue, file closed and reopened).
   * Rejects with `DiskNotFoundError`, `DiskBusyError`, `DiskAttachedError`, `QedReadOnlyError`,
   * `QedCorruptionError`, `QedCompactionError`, `QedQuotaError`, ...
   */
  compactDisk(name: string, options: WorkerCompactOptions, onProgress?: (progress: CompactDiskProgress) => void | Promise<void>): Promise<CompactDiskResult>;
  /** Removes HTTP base cache `id`; resolves with the bytes freed. `StorageInUseError` while a disk reads through it, `BaseCacheNotFoundError`. */
  freeBaseCache(id: string): Promise<number>;
}
