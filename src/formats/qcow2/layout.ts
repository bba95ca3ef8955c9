/**
 * Encoding what the qcow2 writer produces (pure): the version 3 header, L1/L2 entries, and the
 * size of the refcount structures that must cover every cluster of the file, themselves included.
 */
import { viewOf, writeU32BE, writeU64BE } from '../codec/bytes.ts';
import { ENTRY_BITS, QCOW2_HEADER_OFFSET as AT, QCOW2_MAGIC, QCOW2_V3_HEADER_BYTES } from './constants.ts';

/** 2^32. */
const TWO_POW_32 = 4294967296;
/** Refcount width the writer uses: 16 bits (order 4), QEMU's default. */
export const REFCOUNT_ORDER = 4;
/** Largest refcount a 16-bit entry holds. */
export const MAX_REFCOUNT = 0xffff;

/** Where the writer put its structures; offsets in bytes. */
export interface Qcow2Layout {
  clusterBits: number;
  /** Virtual size (a multiple of 512). */
  size: number;
  l1Size: number;
  l1TableOffset: number;
  refcountTableOffset: number;
  refcountTableClusters: number;
}

/** Encodes a version 3 header (compat 1.1, zlib, 16-bit refcounts) followed by an end-of-extensions marker, in `clusterSize` bytes. */
export function encodeQcow2Header(layout: Qcow2Layout): Uint8Array {
  const bytes = new Uint8Array(2 ** layout.clusterBits);
  const view = viewOf(bytes);
  writeU32BE(view, AT.magic, QCOW2_MAGIC);
  writeU32BE(view, AT.version, 3);
  writeU32BE(view, AT.clusterBits, layout.clusterBits);
  writeU64BE(view, AT.size, layout.size);
  writeU32BE(view, AT.l1Size, layout.l1Size);
  writeU64BE(view, AT.l1TableOffset, layout.l1TableOffset);
  writeU64BE(view, AT.refcountTableOffset, layout.refcountTableOffset);
  writeU32BE(view, AT.refcountTableClusters, layout.refcountTableClusters);
  writeU32BE(view, AT.refcountOrder, REFCOUNT_ORDER);
  writeU32BE(view, AT.headerLength, QCOW2_V3_HEADER_BYTES);
  // Bytes 104..111: compression type 0 (zlib) and padding; then the end-of-extensions marker (8 zero bytes).
  return bytes;
}

/** Writes a standard L1 or L2 entry for a cluster at `offset` with refcount exactly 1 (bit 63 set). */
export function writeCopiedEntry(table: DataView, index: number, offset: number): void {
  writeU32BE(table, index * 8, (ENTRY_BITS.copied | Math.floor(offset / TWO_POW_32)) >>> 0);
  writeU32BE(table, index * 8 + 4, offset % TWO_POW_32);
}

/**
 * Writes a compressed cluster entry: `length` bytes of compressed data at byte `offset`, as the
 * host offset (bits 0..x-1) and the count of 512-byte sectors after the first (bits x..61),
 * x = 62 - (clusterBits - 8).
 */
export function writeCompressedEntry(table: DataView, index: number, offset: number, length: number, clusterBits: number): void {
  const shift = 62 - (clusterBits - 8) - 32;
  const additionalSectors = Math.floor((offset + length - 1) / 512) - Math.floor(offset / 512);
  writeU32BE(table, index * 8, (ENTRY_BITS.compressed | (additionalSectors << shift) | Math.floor(offset / TWO_POW_32)) >>> 0);
  writeU32BE(table, index * 8 + 4, offset % TWO_POW_32);
}

/** The first and last host cluster QEMU's checker counts a compressed cluster's reference against. */
export function compressedClusterSpan(offset: number, length: number, clusterSize: number): { first: number; last: number } {
  const start = offset - (offset % 512);
  const end = Math.floor((offset + length - 1) / 512) * 512 + 512;
  return { first: Math.floor(start / clusterSize), last: Math.floor((end - 1) / clusterSize) };
}

/**
 * How many refcount blocks and refcount table clusters cover `usedClusters` clusters plus
 * themselves, with 16-bit refcounts.
 */
export function refcountStructureSize(usedClusters: number, clusterSize: number): { blocks: number; tableClusters: number } {
  const perBlock = (clusterSize * 8) / 2 ** REFCOUNT_ORDER;
  let blocks = 1;
  let tableClusters = 1;
  for (;;) {
    const neededBlocks = Math.ceil((usedClusters + blocks + tableClusters) / perBlock);
    const neededTable = Math.ceil((neededBlocks * 8) / clusterSize);
    if (neededBlocks === blocks && neededTable === tableClusters) return { blocks, tableClusters };
    blocks = Math.max(blocks, neededBlocks);
    tableClusters = Math.max(tableClusters, neededTable);
  }
}
