/**
 * Geometry of a QED image: how a guest offset splits into L1 index, L2 index and offset in
 * cluster, and which file offsets are legal for tables and data. Pure arithmetic, no I/O.
 */
import { isPowerOfTwo } from './bytes.ts';
import {
  MAX_CLUSTER_SIZE_BYTES,
  MAX_TABLE_SIZE_CLUSTERS,
  MIN_CLUSTER_SIZE_BYTES,
  MIN_TABLE_SIZE_CLUSTERS,
  TABLE_ENTRY_SIZE_BYTES,
} from './constants.ts';

/** Derived, validated layout numbers of one image. All sizes in bytes unless named otherwise. */
export interface Geometry {
  /** Bytes per cluster (a power of two, 4 KiB to 64 MiB). */
  readonly clusterSize: number;
  /** Clusters per table (a power of two, 1 to 16). */
  readonly tableSize: number;
  /** Clusters reserved for the header area. */
  readonly headerClusters: number;
  /** Bytes per table (`clusterSize * tableSize`). */
  readonly tableBytes: number;
  /** Entries per table (`tableBytes / 8`). */
  readonly entriesPerTable: number;
  /** Guest bytes one L2 table maps (`entriesPerTable * clusterSize`). */
  readonly bytesPerL2Table: number;
  /** log2(clusterSize). */
  readonly clusterBits: number;
  /** Largest image size this geometry allows, in bytes, as QEMU computes it (may be 0: see docs). */
  readonly maxImageSize: bigint;
}

/** True when `clusterSize` is a legal QED cluster size in bytes. */
export function isValidClusterSize(clusterSize: number): boolean {
  return isPowerOfTwo(clusterSize) && clusterSize >= MIN_CLUSTER_SIZE_BYTES && clusterSize <= MAX_CLUSTER_SIZE_BYTES;
}

/** True when `tableSize` is a legal QED table size in clusters. */
export function isValidTableSize(tableSize: number): boolean {
  return isPowerOfTwo(tableSize) && tableSize >= MIN_TABLE_SIZE_CLUSTERS && tableSize <= MAX_TABLE_SIZE_CLUSTERS;
}

/**
 * Largest image size in bytes for a geometry: `entries^2 * clusterSize`, computed in u64 with
 * QEMU's wrap-around, so over-large geometries yield exactly 0 (only size 0 is then legal).
 */
export function maxImageSizeBytes(clusterSize: number, tableSize: number): bigint {
  const entries = BigInt((clusterSize * tableSize) / TABLE_ENTRY_SIZE_BYTES);
  return BigInt.asUintN(64, entries * entries * BigInt(clusterSize));
}

/** Builds the derived geometry. The caller has validated cluster and table size. */
export function makeGeometry(clusterSize: number, tableSize: number, headerClusters: number): Geometry {
  const tableBytes = clusterSize * tableSize;
  const entriesPerTable = tableBytes / TABLE_ENTRY_SIZE_BYTES;
  return {
    clusterSize,
    tableSize,
    headerClusters,
    tableBytes,
    entriesPerTable,
    bytesPerL2Table: entriesPerTable * clusterSize,
    clusterBits: Math.log2(clusterSize),
    maxImageSize: maxImageSizeBytes(clusterSize, tableSize),
  };
}

/** Index into the L1 table of guest byte `guestOffset`. */
export function l1IndexOf(geometry: Geometry, guestOffset: number): number {
  return Math.floor(guestOffset / geometry.bytesPerL2Table);
}

/** Index into its L2 table of guest byte `guestOffset`. */
export function l2IndexOf(geometry: Geometry, guestOffset: number): number {
  return Math.floor(guestOffset / geometry.clusterSize) % geometry.entriesPerTable;
}

/** Offset of guest byte `guestOffset` inside its cluster. */
export function offsetInCluster(geometry: Geometry, guestOffset: number): number {
  return guestOffset % geometry.clusterSize;
}

/** `fileSize` rounded down to a whole number of clusters (QEMU's notion of the file's end). */
export function roundDownToCluster(geometry: Geometry, fileSize: number): number {
  return fileSize - (fileSize % geometry.clusterSize);
}

/**
 * QEMU's cluster offset test: aligned to the cluster size, past the header area, and before
 * `fileEnd` (the file size rounded down to a cluster). Non-finite offsets are invalid.
 */
export function isValidClusterOffset(geometry: Geometry, offset: number, fileEnd: number): boolean {
  return (
    Number.isFinite(offset) &&
    offset % geometry.clusterSize === 0 &&
    offset >= geometry.headerClusters * geometry.clusterSize &&
    offset < fileEnd
  );
}

/**
 * The table offset test: the first and last cluster of the table pass the cluster offset test.
 * QEMU's overflow guard also rejects every table of a one-cluster-per-table image; qedisk accepts
 * those, as the spec does.
 */
export function isValidTableOffset(geometry: Geometry, offset: number, fileEnd: number): boolean {
  const last = offset + (geometry.tableSize - 1) * geometry.clusterSize;
  return isValidClusterOffset(geometry, offset, fileEnd) && isValidClusterOffset(geometry, last, fileEnd);
}

/**
 * True when an offset is well-formed for a data cluster but lies at or past `fileEnd`: QEMU
 * reads such clusters inside a run as zeros, and qedisk reads them as zeros always.
 */
export function isBeyondEnd(geometry: Geometry, offset: number, fileEnd: number): boolean {
  return (
    Number.isFinite(offset) &&
    offset % geometry.clusterSize === 0 &&
    offset >= geometry.headerClusters * geometry.clusterSize &&
    offset >= fileEnd
  );
}
