/**
 * The page-side contract of a qedisk disk: what `openDisk` returns. Implemented over Comlink by
 * the worker client; consumed by the v86 adapter and the demo. Sizes and offsets in bytes.
 */
import type { CheckReport, Extent, IoStats } from '../engine/types.ts';
import type { KeptImageFormat } from './base-names.ts';

/**
 * The format of an HTTP base: `raw` (the overlay's header gets the raw bit), `probe` (decided from
 * the image's bytes, as QEMU probes), or a format the image must have (`qed`, `qcow2`, `vmdk`,
 * `vpc` for VHD, `vhdx`, `vdi`; checked when the overlay is created, recorded without the raw bit
 * so that QEMU probes it too).
 */
export type BaseFormat = 'raw' | 'qed' | 'probe' | KeptImageFormat;

/**
 * The base image of a new overlay disk: what it reads where it has not written itself.
 * - `opfs`: another disk of this origin by name (its `.qed` file, the raw `.raw` file kept by
 *   `importDisk(..., { keepRaw: true })`, or the qcow2, VMDK, VHD, VHDX or VDI file kept by
 *   `importDisk(..., { keepAsBase: true })`); the overlay's header names that file.
 * - `url`: an HTTP(S) image, read lazily with Range requests and cached in OPFS; the header names
 *   the absolute URL. Only the page's origin and `OpenDiskOptions.allowedOrigins` are followed.
 *   `format` `raw` sets the header's raw bit; the default `probe` recognises QED, qcow2, VMDK,
 *   VHD, VHDX and VDI bases by their bytes (raw otherwise). Of a compressed qcow2 base only the
 *   compressed clusters the guest reads (and the tables) are fetched.
 */
export type BaseSpec = { kind: 'opfs'; name: string } | { kind: 'url'; url: string; format?: BaseFormat };

/** Options of `openDisk`. */
export interface OpenDiskOptions {
  /** Create the disk when it does not exist yet. */
  create?: {
    /** Virtual size in bytes (rounded up to 512). Optional with a `base`: the base's size. */
    size?: number;
    /** Make the new disk a copy-on-write overlay of this base. */
    base?: BaseSpec;
    /** Bytes per cluster; default 64 KiB. */
    clusterSize?: number;
    /** Clusters per table; default 4. */
    tableSize?: number;
  };
  /** Open without writing (no repair, no header updates). */
  readOnly?: boolean;
  /**
   * Origins (such as `https://images.example.org`) besides the page's own that an HTTP base may
   * be fetched from. Checked when the overlay is created and every time it is opened.
   */
  allowedOrigins?: string[];
  /**
   * Open a device that a custom disk worker registered under this name (see
   * `configureDiskWorker`) instead of a QED disk in OPFS. Such a device serves block requests
   * and `info` only. Rejects with `QedArgumentError` when the worker knows no such device.
   */
  device?: string;
}

/** What `Disk.info` reports. */
export interface DiskInfo {
  /** The disk's name in the catalogue. */
  name: string;
  /** Virtual size in bytes. */
  virtualSize: number;
  /** Size of the `.qed` file in OPFS, in bytes. */
  physicalSize: number;
  /** Bytes per cluster. */
  clusterSize: number;
  /** Bytes of data clusters in use. */
  allocatedBytes: number;
  /** The need-check bit as it is on disk. */
  needsCheck: boolean;
  /** Backing name, or null. */
  backingFile: string | null;
  /** Engine I/O counters since the disk was opened. */
  io: IoStats;
  /** `raw` when the header's raw bit is set, `probe` for another base, null without one. */
  backingFormat?: 'raw' | 'qed' | 'probe' | null;
  /** The backing chain below the disk, its direct base first (empty without a base). */
  chain?: ChainLevel[];
  /** The HTTP base at the bottom of the chain and how much of it is cached, or null. */
  remoteBase?: RemoteBaseStatus | null;
}

/** One level of a disk's backing chain, as `DiskInfo.chain` reports it. */
export interface ChainLevel {
  /** The backing name as stored in the header of the level above. */
  name: string;
  /** A snapshot of this disk, another OPFS disk (QED), a raw OPFS base, a qcow2/VMDK/VHD/VHDX/VDI OPFS base, or an HTTP base. */
  kind: 'snapshot' | 'disk' | 'raw' | 'image' | 'url';
  /** File reads the engine made at this level since the disk was opened (tables and data). */
  reads: number;
  /** Bytes those reads returned. */
  bytesRead: number;
}

/** How much of an HTTP base is in the local cache, and what fetching it has cost. */
export interface RemoteBaseStatus {
  /** Absolute URL of the base. */
  url: string;
  /** Size of the base in bytes. */
  totalBytes: number;
  /** Bytes of the base held in the OPFS cache (readable offline). */
  cachedBytes: number;
  /** True when the whole base is cached. */
  complete: boolean;
  /** Bytes downloaded into the cache since this page's worker opened the base. */
  bytesFetched: number;
  /** HTTP requests answered since then. */
  requests: number;
  /** False when the cache lives in memory only (another tab holds the OPFS cache files). */
  persistent: boolean;
  /** The boot prefetch of a base that was not cached whole when opened (`<base>.manifest.json`), or null without one. */
  prefetch?: BasePrefetchStatus | null;
  /** Chunks read from the base since this worker opened it, in first-read order: what a boot manifest records. */
  readOrder?: { chunkSize: number; runs: Array<[first: number, count: number]> };
}

/** What the boot prefetcher of an HTTP base did (see `RemoteBaseStatus.prefetch`). */
export interface BasePrefetchStatus {
  /** `running`, `done`, `diverged` (the guest read other chunks than the manifest's; prefetching stopped), `failed` or `stopped`. */
  state: string;
  /** Chunks the manifest lists. */
  manifestChunks: number;
  /** Manifest chunks gone past (fetched, found cached, or passed by the guest). */
  passedChunks: number;
  /** Prefetch requests answered. */
  requests: number;
  /** Bytes they fetched. */
  bytes: number;
  /** Chunks the guest read for the first time that the manifest does not list. */
  outsideReads: number;
}

/** Progress of `makeAvailableOffline`: `done` bytes of the base cached out of `total`. */
export interface BaseDownloadProgress extends Progress {
  /** Bytes this call has downloaded so far. */
  bytesFetched: number;
}

/** The catalogue's note about one snapshot (the data is in OPFS). */
export interface SnapshotRecord {
  /** The snapshot's id (digits; also part of its OPFS file name). */
  id: string;
  /** The label given to `snapshotDisk`. */
  label: string;
  /** When it was taken, in milliseconds since the epoch. */
  createdAt: number;
}

/** A snapshot as `listSnapshots` reports it. */
export interface SnapshotInfo extends SnapshotRecord {
  /** Size of the frozen overlay file in bytes, or null when unknown. */
  physicalSize: number | null;
  /** The snapshot it was taken on top of, or null when it sits directly on the base (or on nothing). */
  parentId: string | null;
  /** True when the disk's live overlay sits directly on it. */
  current: boolean;
  /** Files that read through it (the live overlay, later snapshots); deleting is refused while any do. */
  dependents: string[];
}

/**
 * A disk opened with `openDisk`: a `Disk` that also knows its base image, can cache an HTTP base
 * for offline use, can be exported flattened and can describe where its data is.
 */
export interface OpfsDisk extends Disk {
  /**
   * How much of the HTTP base is cached and what fetching it has cost so far, or null without
   * an HTTP base. Answered at once, not behind queued requests: poll it for a progress display
   * while the guest waits on the network (a first boot).
   */
  baseStatus(): Promise<RemoteBaseStatus | null>;
  /**
   * Downloads whatever of the disk's HTTP base is not cached yet, reporting progress, so the disk
   * works fully offline. Resolves with the final cache status, or null when the disk has no HTTP
   * base. Rejects with `QedIoError` when offline (what was fetched stays cached) or
   * `QedBackingChangedError` when the base changed on the server. Guest requests keep running.
   */
  makeAvailableOffline(onProgress?: (progress: BaseDownloadProgress) => void): Promise<RemoteBaseStatus | null>;
  /**
   * A standalone `.qed` file holding everything the disk shows (its overlay, snapshots and base
   * merged; all-zero clusters left out), for QEMU without the base. Progress counts guest bytes.
   * The file lives in OPFS until the next flattened export or until the disk is deleted.
   */
  exportFlattened(onProgress?: (progress: Progress) => void): Promise<File>;
  /** Where the overlay's own data is (runs of `data`, `zero` and `unallocated`), in guest order. */
  map(): Promise<Extent[]>;
  /**
   * Without options (or with `format: 'qed'`): the `.qed` file itself, as `Disk.exportFile`. With
   * `format: 'qcow2'`: a standalone qcow2 file (version 3) of everything the disk shows (overlay,
   * snapshots and base merged; all-zero clusters left out), deflate-compressed per cluster with
   * `compressed`, written to OPFS (it replaces the disk's last flattened export) and returned.
   */
  exportFile(options?: ExportFileOptions): Promise<File>;
}

/** Options of `OpfsDisk.exportFile`. */
export interface ExportFileOptions {
  /** `qed` (default): the disk's own file. `qcow2`: a flattened qcow2 image. */
  format?: 'qed' | 'qcow2';
  /** qcow2 only: deflate each cluster (QEMU's `zlib` compression type), kept plain where that does not shrink it. Default false. */
  compressed?: boolean;
  /** qcow2 only: bytes per cluster, a power of two from 512 B to 2 MiB. Default 64 KiB. */
  clusterSize?: number;
  /** qcow2 only: guest bytes examined so far out of those that may hold data. */
  onProgress?: (progress: Progress) => void;
}

/** A catalogue entry (kept in IndexedDB with idb-keyval). Times are milliseconds since the epoch. */
export interface DiskRecord {
  /** Unique name; also the OPFS file name stem. */
  name: string;
  /** Virtual size in bytes. */
  size: number;
  /** When the disk was created. */
  createdAt: number;
  /** When the disk was last opened. */
  lastOpenedAt: number;
  /** Name or URL of the base image, or null. */
  base: string | null;
  /**
   * `qed` (or absent) for a disk; for a base kept as it is by `importDisk` (`keepRaw` or
   * `keepAsBase`), its format: `raw`, `qcow2`, `vmdk`, `vpc` (VHD), `vhdx` or `vdi`. Bases cannot
   * be opened themselves: open an overlay on them.
   */
  format?: 'qed' | 'raw' | KeptImageFormat;
  /** Labels and dates of the disk's snapshots (the data is in OPFS). */
  snapshots?: SnapshotRecord[];
}

/** Progress of a long operation. */
export interface Progress {
  /** Bytes done so far. */
  done: number;
  /** Bytes in all. */
  total: number;
}

/**
 * Progress of `importDisk`. Raw and QED files are imported in one pass, without `phase`. Other
 * formats take two: `copy` (the file's bytes into a temporary OPFS file) then `convert` (the
 * guest bytes that may hold data, read through the format's reader); `done` and `total` count
 * the bytes of the current phase.
 */
export interface ImportProgress extends Progress {
  /** The phase of a two-pass import. */
  phase?: 'copy' | 'convert';
}

/** Options of `Disk.write`. */
export interface WriteOptions {
  /**
   * Move `data`'s ArrayBuffer to the worker instead of copying it (zero-copy). `data` must span
   * its whole, non-shared ArrayBuffer (`QedArgumentError` otherwise); the buffer is detached at
   * once. Default false: the bytes are copied and the caller keeps its buffer.
   */
  transfer?: boolean;
}

/** An open qedisk disk. Requests keep their order: a read after a write sees it. */
export interface Disk {
  /** The disk's name. */
  readonly name: string;
  /** Virtual size in bytes (fixed while open). */
  readonly size: number;
  /** Reads `length` bytes at `offset`; the returned buffer belongs to the caller. */
  read(offset: number, length: number): Promise<Uint8Array<ArrayBuffer>>;
  /**
   * Writes `data` at `offset`. `data` stays the caller's: its bytes are copied before this
   * returns, so the buffer may be reused at once. With `{ transfer: true }` its ArrayBuffer is
   * moved to the worker instead (no copy; the buffer is detached and unusable afterwards).
   */
  write(offset: number, data: Uint8Array, options?: WriteOptions): Promise<void>;
  /** Makes `[offset, offset + length)` read as zeros. */
  writeZeroes(offset: number, length: number): Promise<void>;
  /** Makes completed writes durable. */
  flush(): Promise<void>;
  /** Sizes, geometry and counters. */
  info(): Promise<DiskInfo>;
  /** Consistency check; with `repair`, fixes invalid entries. */
  check(options?: { repair?: boolean }): Promise<CheckReport>;
  /** The `.qed` file itself (flushed and marked clean first), which QEMU opens as it is. */
  exportFile(): Promise<File>;
  /** Flushes, marks the image clean, releases the OPFS handle and the lock. */
  close(): Promise<void>;
  /**
   * Marks the disk as used by a running VM (`true`; counted) or no longer (`false`), so that the
   * files API refuses to write its file system (`DiskAttachedError`) and reads it through a
   * snapshot meanwhile. `toV86Disk` and its `detach()` call it; closing the disk clears it.
   * Absent on disks the files API cannot reach (in memory in the page).
   */
  setAttached?(attached: boolean): Promise<void>;
}
