/** Option and result types of the QED engine. All sizes and offsets are in bytes. */
import type { SyncFile } from './sync-file.ts';
import type { L2CacheStats } from './l2-cache.ts';

/** Format of a backing image. `probe` means "QED if it has the QED magic, raw otherwise". */
export type BackingFormat = 'raw' | 'qed' | 'probe';

/** What a backing resolver is asked for. */
export interface BackingRequest {
  /** The name stored in the overlay's header, exactly as stored. */
  readonly name: string;
  /** Format the header asks for: `raw` when the no-probe bit is set, `probe` otherwise. */
  readonly format: BackingFormat;
  /** 1 for the overlay's direct backing image, 2 for its backing image, and so on. */
  readonly depth: number;
}

/**
 * Opens the file a backing name refers to, read-only. The engine probes or opens it as raw and
 * closes it when the overlay closes. Throw (any error) when it cannot be found.
 */
export type BackingResolver = (request: BackingRequest) => SyncFile;

/** Options of `QedImage.open`. */
export interface OpenOptions {
  /** Open without ever writing to the file (no repair, no header updates). Default false. */
  readOnly?: boolean;
  /** Resolves the backing name of an image that has one. Required for such images. */
  resolveBacking?: BackingResolver;
  /** L2 cache budget in bytes. Default 8 MiB. */
  l2CacheBytes?: number;
  /**
   * Bytes of an L2 table read and cached at a time: a power of two from 512 up; larger than a
   * table means whole tables. Default 4 KiB (512 entries), so a lookup in a huge sparse disk
   * costs one small read instead of a whole table.
   */
  l2PageBytes?: number;
  /**
   * Over a backing image, how many allocating writes may share one group commit: their data is
   * written at once, their L2 entries are seen by reads at once, and one flush then makes the data
   * durable before their table sectors are written together. The commit runs when this many wait,
   * at `flush`, `commitPending`, `markClean`, `check` and `close`, and before any other table change.
   * Default 1: each write commits on its own before it returns (QEMU's order: data, flush, table).
   * Above 1, a write that returned is in the file as a reopen reads it only once a commit ran;
   * what a crash of the machine may lose is unchanged (writes no flush covered). The worker uses
   * 64 and answers writes after their commit.
   */
  groupCommitLimit?: number;
  /** Refuse backing chains deeper than this. Default 64. */
  maxBackingDepth?: number;
  /** Internal: depth of this image in a backing chain (0 for the top). */
  depth?: number;
}

/** The backing image of a new overlay. */
export interface BackingSpec {
  /** Name to store in the header (a path relative to the overlay, a URL, an OPFS name, ...). */
  name: string;
  /** `raw` sets the no-probe bit; `qed` and `probe` leave the format to probing, as QEMU does. */
  format: BackingFormat;
}

/** Options of `QedImage.create`. */
export interface CreateOptions {
  /** Virtual size in bytes, rounded up to 512. Defaults to the backing image's size. */
  size?: number;
  /** Bytes per cluster: a power of two from 4 KiB to 64 MiB. Default 64 KiB. */
  clusterSize?: number;
  /** Clusters per table: a power of two from 2 to 16. Default 4. */
  tableSize?: number;
  /** Backing image, for a copy-on-write overlay. */
  backing?: BackingSpec;
  /** Needed with `backing`: opens it (to learn its size and to serve reads). */
  resolveBacking?: BackingResolver;
  /** L2 cache budget in bytes for the returned image. */
  l2CacheBytes?: number;
  /** As `OpenOptions.l2PageBytes`. */
  l2PageBytes?: number;
  /** As `OpenOptions.groupCommitLimit`. */
  groupCommitLimit?: number;
}

/** I/O counters of an open image (guest-visible operations, not file calls). */
export interface IoStats {
  /** Guest read requests served. */
  reads: number;
  /** Guest bytes read. */
  bytesRead: number;
  /** Guest write requests served (including zero writes). */
  writes: number;
  /** Guest bytes written (including zero writes). */
  bytesWritten: number;
  /** Clusters newly allocated in the file (data clusters, not tables). */
  clustersAllocated: number;
  /** L2 tables created. */
  tablesAllocated: number;
  /** File flushes issued. */
  flushes: number;
  /** Group commits: table updates of allocating writes over a backing image, made durable together after one flush. */
  groupCommits: number;
  /** L2 cache counters. */
  l2Cache: L2CacheStats;
}

/** What `QedImage.info` reports. */
export interface ImageInfo {
  /** Virtual disk size in bytes. */
  virtualSize: number;
  /** Bytes per cluster. */
  clusterSize: number;
  /** Clusters per table. */
  tableSize: number;
  /** Clusters in the header area. */
  headerSize: number;
  /** File length in bytes. */
  physicalSize: number;
  /** Bytes of data clusters referenced by L2 tables. */
  allocatedBytes: number;
  /** Backing name from the header, or null. */
  backingFile: string | null;
  /** `raw` when the no-probe bit is set, `probe` when a backing file is named without it, else null. */
  backingFormat: BackingFormat | null;
  /** The need-check bit as it is on disk now. */
  needsCheck: boolean;
  /** Incompatible feature bits, as a number. */
  features: number;
  /** Compatible feature bits, as a number. */
  compatFeatures: number;
  /** Auto-clear feature bits, as a number. */
  autoclearFeatures: number;
  /** True when the image was opened read-only. */
  readOnly: boolean;
  /** I/O counters since open. */
  io: IoStats;
}

/** What `check` reports, with qemu-img's meanings. */
export interface CheckReport {
  /** Corruptions found and not repaired. */
  corruptions: number;
  /** Corruptions repaired (invalid entries set to 0). */
  corruptionsFixed: number;
  /**
   * Clusters in the file that nothing references (harmless: space only). A repair cuts those at
   * the end of the file off; the ones between referenced clusters stay until a compaction.
   */
  leaks: number;
  /** Clusters a repair cut off the end of the file (unreferenced), as `leaks-fixed` in qemu-img. */
  leaksFixed: number;
  /** Errors that stopped part of the check (table reads that failed). */
  checkErrors: number;
  /** Data clusters referenced by L2 tables. */
  allocatedClusters: number;
  /** Data clusters not physically following the previous one of their table. */
  fragmentedClusters: number;
  /** Clusters of the virtual disk: ceil(virtualSize / clusterSize). */
  totalClusters: number;
  /** File length in bytes. */
  imageEndOffset: number;
}

/** Options of `check`. */
export interface CheckOptions {
  /**
   * Set invalid entries to 0 and cut unreferenced clusters off the end of the file (duplicates
   * and leaks between referenced clusters are never changed). Default false.
   */
  repair?: boolean;
}

/** How a guest range is stored. */
export type ExtentKind = 'data' | 'zero' | 'unallocated';

/** A run of the virtual disk with one storage state. */
export interface Extent {
  /** Guest offset of the run, in bytes. */
  start: number;
  /** Length of the run, in bytes. */
  length: number;
  /** `data`: stored in this file; `zero`: reads zeros; `unallocated`: backing image or zeros. */
  kind: ExtentKind;
  /** File offset of the data, for `data` runs. */
  offset?: number;
  /** For `unallocated` runs: true when a backing image supplies them. */
  fromBacking?: boolean;
}

/** Where the bytes of a QED file go (`inspectImageSpace`). All in bytes. */
export interface SpaceReport {
  /** Length of the file. */
  fileBytes: number;
  /** Data clusters the L2 tables reference. */
  dataBytes: number;
  /** Header area, L1 and L2 tables. */
  metadataBytes: number;
  /** Clusters nothing references, and a partial cluster at the end: what a compaction drops for sure. */
  leakedBytes: number;
  /** False when the check found corruptions or could not read a table (the figures are then approximate). */
  consistent: boolean;
}

/** Options of `compactImageFile`. */
export interface CompactOptions {
  /**
   * Called as the work proceeds (after each run of at most 1 MiB) with the bytes of referenced
   * data clusters examined so far and in all.
   */
  onProgress?: (done: number, total: number) => void;
}

/** How far a compaction is: bytes of referenced data clusters examined so far and in all. */
export interface CompactProgress {
  /** Bytes examined so far. */
  done: number;
  /** Bytes to examine in all. */
  total: number;
}

/** What `compactImageFile` did. Sizes in bytes, counts in clusters. */
export interface CompactReport {
  /** Length of the source file. */
  bytesBefore: number;
  /** Length of the compacted file. */
  bytesAfter: number;
  /** Data clusters copied. */
  dataClusters: number;
  /** Data clusters that held only zeros: now zero clusters (over a backing image) or unallocated. */
  zeroClustersDropped: number;
  /** Clusters of the source that nothing referenced (leaks). */
  leakedClustersDropped: number;
  /** L2 tables in the compacted file. */
  tables: number;
}
