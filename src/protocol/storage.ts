/**
 * What page and worker share about storage use: the storage report (where the origin's quota
 * goes), compaction and freeing base caches (giving space back). Types only; sizes in bytes.
 */
import type { CompactReport } from '../engine/types.ts';
import type { Progress } from './types.ts';

/** One file of the qedisk folder. */
export interface StoredFileReport {
  /** The file's name in the qedisk folder. */
  file: string;
  /** Length of the file, or null when it could not be read. */
  bytes: number | null;
  /**
   * What a compaction drops for sure (clusters nothing references), or null when that is unknown
   * (the file is held open: by another tab, a disk open in this page, or this page's files API for
   * a few seconds after its last request; or it is not a QED file, or is inconsistent). All-zero data
   * clusters are dropped too, but finding them means reading all the data, so they are not counted.
   */
  reclaimableBytes: number | null;
}

/** A snapshot file of a disk. */
export interface SnapshotFileReport extends StoredFileReport {
  /** The snapshot's id. */
  id: string;
}

/** The files of one disk. */
export interface DiskStorageReport {
  /** The disk's name. */
  name: string;
  /** How it is stored: a QED disk, or a base kept as it is (`raw`, `qcow2`, ...). */
  format: string;
  /** True when it is open in this page (its own file's `reclaimableBytes` is then null). */
  open: boolean;
  /** The disk's own file: its live overlay, or the kept base. */
  file: StoredFileReport;
  /** Its snapshots, oldest first. */
  snapshots: SnapshotFileReport[];
  /** Its last flattened export (`NAME.export`), or null. */
  export: StoredFileReport | null;
  /** The base under it and its snapshots (an OPFS file or a URL), or null. */
  base: string | null;
  /** The HTTP base its chain ends on (through other disks too), or null. */
  url: string | null;
  /** Bytes of all its files. */
  totalBytes: number;
  /** What compacting it (and deleting its export) would give back, as far as known (unknown parts count 0). */
  reclaimableBytes: number;
}

/** The chunk cache of one HTTP base. */
export interface BaseCacheReport {
  /** The cache's id (`base-<hash>`), for `freeBaseCache`. */
  id: string;
  /** The base's URL when a disk of this origin names it, else null (no disk uses the cache). */
  url: string | null;
  /** Disks whose chain ends on the base. */
  disks: string[];
  /** Bytes of the cache's files. */
  bytes: number;
  /** True when a disk open in this page reads through it: `freeBaseCache` refuses it then. */
  inUse: boolean;
  /** Everything: a freed cache is fetched again on demand (the disks then need the network). */
  reclaimableBytes: number;
}

/** A folder or file at the root of the origin's private file system, outside qedisk's folder. */
export interface OtherStorageReport {
  /** Its name at the root (`qedisk-vm-saves`: VM saves; `qedisk-v86-states`: the demo's saved states). */
  name: string;
  /** Bytes of its files. */
  bytes: number;
  /** Files in it. */
  files: number;
}

/** What the worker finds in the origin's private file system. */
export interface StorageFilesReport {
  /** Every disk and kept base, by name. */
  disks: DiskStorageReport[];
  /** HTTP base caches. */
  baseCaches: BaseCacheReport[];
  /** Files no disk owns any more, or left by an unfinished operation (`.pending`, `.importing`, ...): all reclaimable. */
  strayFiles: StoredFileReport[];
  /** Everything else in the origin's private file system. */
  otherStorage: OtherStorageReport[];
  /** Bytes of every file listed. */
  totalBytes: number;
  /** What compactions, freeing the caches and deleting stray files and exports would give back, as far as known. */
  reclaimableBytes: number;
}

/** Where the origin's quota goes: the worker's findings plus what the browser says. */
export interface StorageReport extends StorageFilesReport {
  /** `navigator.storage.estimate()` for the whole origin (OPFS, IndexedDB, caches, service worker), or null. */
  estimate: { usage: number; quota: number } | null;
  /** True when the browser will not evict the origin's storage (`navigator.storage.persisted()`). */
  persisted: boolean;
}

/** Options of `compactDisk` that travel to the worker. */
export interface WorkerCompactOptions {
  /** Compact the disk's snapshots too (only while the disk is closed). Default true. */
  snapshots?: boolean;
  /**
   * First discard the clusters that lie in free blocks of the disk's ext2/3/4 file system (what the
   * guest deleted), so the compaction drops them. The file system must be clean: unmounted, or
   * remounted read-only in the guest. Default false.
   */
  freeUnusedBlocks?: boolean;
}

/** Progress of `compactDisk`: bytes of the current file's referenced data examined (`done` of `total`). */
export interface CompactDiskProgress extends Progress {
  /** The file being compacted. */
  file: string;
  /** Its position among the files to compact, from 0. */
  fileIndex: number;
  /** Files to compact. */
  fileCount: number;
}

/** What discarding the free blocks of a disk's file system did. */
export interface FreeSpaceResult {
  /** The file system found (`ext2`, `ext4`, ...), or null when none could be used. */
  fileSystem: string | null;
  /** Bytes the file system's bitmaps mark free. */
  freeBytes: number;
  /** Bytes of data clusters the disk stopped storing (dropped by the compaction). */
  discardedBytes: number;
  /** Why nothing was discarded, or null. */
  skipped: string | null;
}

/** One compacted file. */
export interface CompactedFile extends CompactReport {
  /** The file's name in the qedisk folder. */
  file: string;
}

/** What `compactDisk` did. */
export interface CompactDiskResult {
  /** The disk's name. */
  name: string;
  /** Bytes of the compacted files before. */
  bytesBefore: number;
  /** Bytes of the compacted files after. */
  bytesAfter: number;
  /** Each compacted file. */
  files: CompactedFile[];
  /** Files left as they were, and why (a kept base; snapshots of a disk open in this page, or when `snapshots` is false). */
  skipped: Array<{ file: string; reason: string }>;
  /** What discarding free blocks did, or null when not asked. */
  freeSpace: FreeSpaceResult | null;
}
