/**
 * qcow2 on-disk constants (QEMU's docs/interop/qcow2.txt). Every multi-byte field is big-endian.
 *
 * ```
 * +--------+-----------+----------+-------+-----------------+---------------------+
 * | header | L1 table  | refcount | refc. | L2 tables, data | compressed clusters |  (any order
 * | + ext. | (cluster- | table    | blocks| clusters        | packed at byte      |   after the
 * |        |  aligned) |          |       | (one cluster)   | granularity)        |   header)
 * +--------+-----------+----------+-------+-----------------+---------------------+
 * guest offset -> L1[index] -> L2 table -> L2[index] -> host cluster + offset in cluster
 * ```
 */

/** "QFI\xfb" as a big-endian u32. */
export const QCOW2_MAGIC = 0x514649fb;

/** Byte offsets of the header fields. Version 2 headers end at 72; version 3 at `headerLength`. */
export const QCOW2_HEADER_OFFSET = {
  magic: 0,
  version: 4,
  backingFileOffset: 8,
  backingFileSize: 16,
  clusterBits: 20,
  size: 24,
  cryptMethod: 32,
  l1Size: 36,
  l1TableOffset: 40,
  refcountTableOffset: 48,
  refcountTableClusters: 56,
  snapshotCount: 60,
  snapshotsOffset: 64,
  incompatibleFeatures: 72,
  compatibleFeatures: 80,
  autoclearFeatures: 88,
  refcountOrder: 96,
  headerLength: 100,
  compressionType: 104,
} as const;

/** Length of a version 2 header, in bytes. */
export const QCOW2_V2_HEADER_BYTES = 72;
/** Shortest version 3 header, in bytes. */
export const QCOW2_V3_MIN_HEADER_BYTES = 104;
/** Header length QEMU writes for version 3 (the compression type byte plus padding), in bytes. */
export const QCOW2_V3_HEADER_BYTES = 112;

/** Smallest and largest cluster size QEMU opens, as powers of two. */
export const MIN_CLUSTER_BITS = 9;
export const MAX_CLUSTER_BITS = 21;
/** Extended L2 entries need clusters of at least 16 KiB. */
export const MIN_EXTENDED_L2_CLUSTER_BITS = 14;

/** QEMU's limit on the active L1 table, in bytes. */
export const MAX_L1_TABLE_BYTES = 32 * 1024 * 1024;
/** QEMU's limit on the refcount table, in bytes. */
export const MAX_REFCOUNT_TABLE_BYTES = 8 * 1024 * 1024;
/** QEMU's limit on the number of internal snapshots. */
export const MAX_SNAPSHOTS = 65536;
/** Longest backing file name, in bytes. */
export const MAX_BACKING_NAME_BYTES = 1023;
/** Longest backing format name QEMU accepts (it keeps 16 bytes with the terminating NUL). */
export const MAX_BACKING_FORMAT_BYTES = 15;

/** Incompatible feature bits. */
export const INCOMPATIBLE = {
  dirty: 1n << 0n,
  corrupt: 1n << 1n,
  dataFile: 1n << 2n,
  compressionType: 1n << 3n,
  extendedL2: 1n << 4n,
} as const;
/** Every incompatible feature bit QEMU 7.2 knows. */
export const KNOWN_INCOMPATIBLE = 0x1fn;

/** Header extension types. */
export const EXTENSION = {
  end: 0x00000000,
  backingFormat: 0xe2792aca,
  featureTable: 0x6803f857,
  bitmaps: 0x23852875,
  cryptoHeader: 0x0537be77,
  dataFile: 0x44415441,
} as const;

/** `crypt_method` values. */
export const CRYPT_METHOD = { none: 0, aes: 1, luks: 2 } as const;

/** `compression_type` values. */
export const COMPRESSION_TYPE = { zlib: 0, zstd: 1 } as const;

/** Subclusters per cluster with extended L2 entries. */
export const SUBCLUSTERS_PER_CLUSTER = 32;

/** Bits of L1 and standard L2 entries. */
export const ENTRY_BITS = {
  /** Bit 63: refcount is exactly one. */
  copied: 0x80000000,
  /** Bit 62 of an L2 entry: compressed cluster. */
  compressed: 0x40000000,
  /** Mask of the offset bits 32-55 in the high half. */
  offsetHigh: 0x00ffffff,
  /** Mask of the offset bits 9-31 in the low half. */
  offsetLow: 0xfffffe00,
  /** Bit 0 of a standard L2 entry: reads as zeros (version 3, without extended L2). */
  zero: 0x1,
} as const;
