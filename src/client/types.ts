/**
 * The page-side contract of a qedisk disk: what `openDisk` returns. Implemented over Comlink by
 * the worker client; consumed by the v86 adapter and the demo. Sizes and offsets in bytes.
 */
import type { CheckReport, IoStats } from '../engine/types.ts';

/** Options of `openDisk`. */
export interface OpenDiskOptions {
  /** Create the disk when it does not exist yet. */
  create?: {
    /** Virtual size in bytes (rounded up to 512). */
    size: number;
    /** Bytes per cluster; default 64 KiB. */
    clusterSize?: number;
    /** Clusters per table; default 4. */
    tableSize?: number;
  };
  /** Open without writing (no repair, no header updates). */
  readOnly?: boolean;
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
}

/** Progress of a long operation. */
export interface Progress {
  /** Bytes done so far. */
  done: number;
  /** Bytes in all. */
  total: number;
}

/** An open qedisk disk. Requests keep their order: a read after a write sees it. */
export interface Disk {
  /** The disk's name. */
  readonly name: string;
  /** Virtual size in bytes (fixed while open). */
  readonly size: number;
  /** Reads `length` bytes at `offset`; the returned buffer belongs to the caller. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Writes `data` at `offset`. `data` may be transferred (detached) to the worker. */
  write(offset: number, data: Uint8Array): Promise<void>;
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
}
