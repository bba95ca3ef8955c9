/**
 * QED on-disk constants. Every multi-byte field of a QED file is little-endian.
 *
 * ```
 * +--------+----------+----------+----------+-----+
 * | header | L1 table | cluster  | cluster  | ... |   each box is a whole number of clusters
 * +--------+----------+----------+----------+-----+
 * guest offset -> L1[index] -> L2 table -> L2[index] -> data cluster + offset in cluster
 * ```
 */

/** The magic number "QED\0" read as a little-endian u32. */
export const QED_MAGIC = 0x00444551;

/** Size in bytes of the fixed header struct at file offset 0. */
export const HEADER_STRUCT_SIZE_BYTES = 64;

/** Byte offsets of the header fields inside the 64-byte struct. */
export const HEADER_OFFSET = {
  magic: 0,
  clusterSize: 4,
  tableSize: 8,
  headerSize: 12,
  features: 16,
  compatFeatures: 24,
  autoclearFeatures: 32,
  l1TableOffset: 40,
  imageSize: 48,
  backingFilenameOffset: 56,
  backingFilenameSize: 60,
} as const;

/** Smallest legal cluster size in bytes (2^12). */
export const MIN_CLUSTER_SIZE_BYTES = 4096;
/** Largest legal cluster size in bytes (2^26). */
export const MAX_CLUSTER_SIZE_BYTES = 64 * 1024 * 1024;
/** Cluster size `qemu-img create` uses by default, in bytes. */
export const DEFAULT_CLUSTER_SIZE_BYTES = 64 * 1024;
/** Smallest legal table size, in clusters per table. */
export const MIN_TABLE_SIZE_CLUSTERS = 1;
/** Largest legal table size, in clusters per table. */
export const MAX_TABLE_SIZE_CLUSTERS = 16;
/** Table size `qemu-img create` uses by default, in clusters per table. */
export const DEFAULT_TABLE_SIZE_CLUSTERS = 4;
/** Size in bytes of one table entry (a u64 file offset). */
export const TABLE_ENTRY_SIZE_BYTES = 8;
/** Sector size in bytes: the unit of table updates and of image-size granularity. */
export const SECTOR_SIZE_BYTES = 512;
/** Longest backing file name QEMU reads, in bytes (PATH_MAX - 1). */
export const MAX_BACKING_NAME_BYTES = 4095;

/** Incompatible feature: the image has a backing file. */
export const FEATURE_BACKING_FILE = 0x1n;
/** Incompatible feature: the image may be inconsistent and must be checked before writing. */
export const FEATURE_NEED_CHECK = 0x2n;
/** Incompatible feature: open the backing file as raw, without probing. */
export const FEATURE_BACKING_FORMAT_NO_PROBE = 0x4n;
/** Every incompatible feature bit this implementation understands. */
export const KNOWN_FEATURES = FEATURE_BACKING_FILE | FEATURE_NEED_CHECK | FEATURE_BACKING_FORMAT_NO_PROBE;

/** L2 entry value for an unallocated cluster (read from the backing image, or zeros). */
export const L2_ENTRY_UNALLOCATED = 0;
/** L2 entry value for a zero cluster (reads as zeros, never consults the backing image). */
export const L2_ENTRY_ZERO = 1;
