/**
 * Decoding L1 and L2 entries (pure). A "granule" is the unit one entry bit describes: the whole
 * cluster for standard entries, one of 32 subclusters with extended L2 entries.
 */
import { readU32BE } from '../codec/bytes.ts';
import { ImageCorruptionError } from '../errors.ts';
import { ENTRY_BITS, SUBCLUSTERS_PER_CLUSTER } from './constants.ts';

/** 2^32. */
const TWO_POW_32 = 4294967296;
/** Largest high half of an offset that keeps it a safe integer. */
const MAX_SAFE_HIGH = 0x1fffff;

/** How one granule of the guest disk is stored. `invalid` is a contradictory extended entry. */
export type GranuleKind = 'normal' | 'compressed' | 'zero' | 'unallocated' | 'invalid';

/** What the geometry of an image tells the entry decoder. */
export interface EntryLayout {
  clusterBits: number;
  clusterSize: number;
  extendedL2: boolean;
}

/**
 * The L2 table offset in L1 entry `index` of `l1`, or 0 when the table is unallocated. Throws
 * `ImageCorruptionError` for an offset that is not cluster-aligned or is beyond 2^53.
 */
export function decodeL1Entry(l1: DataView, index: number, layout: EntryLayout): number {
  const high = readU32BE(l1, index * 8) & ENTRY_BITS.offsetHigh;
  const low = (readU32BE(l1, index * 8 + 4) & ENTRY_BITS.offsetLow) >>> 0;
  if (high > MAX_SAFE_HIGH) throw new ImageCorruptionError(`qcow2 L2 table offset in L1 entry ${index} is beyond 2^53`);
  const offset = high * TWO_POW_32 + low;
  if (offset % layout.clusterSize !== 0) throw new ImageCorruptionError(`qcow2 L2 table offset 0x${offset.toString(16)} is not cluster-aligned (L1 index ${index})`);
  return offset;
}

/** Bytes per L2 entry. */
export function l2EntryBytes(layout: EntryLayout): number {
  return layout.extendedL2 ? 16 : 8;
}

/** Bytes of guest disk one granule covers. */
export function granuleBytes(layout: EntryLayout): number {
  return layout.extendedL2 ? layout.clusterSize / SUBCLUSTERS_PER_CLUSTER : layout.clusterSize;
}

/** A decoded granule. */
export interface Granule {
  kind: GranuleKind;
  /** `normal`: host offset of the cluster. `compressed`: host byte offset of the data. Else 0. */
  host: number;
  /** `compressed`: bytes to read at `host` (QEMU's sector-based bound). Else 0. */
  compressedBytes: number;
}

/**
 * Decodes L2 entry `index` of `table` for granule `granule` (0 without extended entries), as
 * QEMU classifies clusters and subclusters. Throws `ImageCorruptionError` for a data offset that
 * is not cluster-aligned or is beyond 2^53.
 */
export function decodeGranule(table: DataView, index: number, granule: number, layout: EntryLayout): Granule {
  const at = index * l2EntryBytes(layout);
  const high = readU32BE(table, at);
  const low = readU32BE(table, at + 4);
  if (high & ENTRY_BITS.compressed) return decodeCompressed(high, low, layout);
  const hostHigh = high & ENTRY_BITS.offsetHigh;
  const hostLow = (low & ENTRY_BITS.offsetLow) >>> 0;
  const allocated = hostHigh !== 0 || hostLow !== 0;
  let kind: GranuleKind;
  if (!layout.extendedL2) {
    kind = low & ENTRY_BITS.zero ? 'zero' : allocated ? 'normal' : 'unallocated';
  } else {
    const zeroBits = readU32BE(table, at + 8);
    const allocBits = readU32BE(table, at + 12);
    const bit = 2 ** granule;
    if (allocated) kind = (zeroBits & allocBits) !== 0 ? 'invalid' : zeroBits & bit ? 'zero' : allocBits & bit ? 'normal' : 'unallocated';
    else kind = allocBits !== 0 ? 'invalid' : zeroBits & bit ? 'zero' : 'unallocated';
  }
  if (kind !== 'normal') return { kind, host: 0, compressedBytes: 0 };
  if (hostHigh > MAX_SAFE_HIGH) throw new ImageCorruptionError(`qcow2 data cluster offset in L2 entry ${index} is beyond 2^53`);
  const host = hostHigh * TWO_POW_32 + hostLow;
  if (host % layout.clusterSize !== 0) throw new ImageCorruptionError(`qcow2 data cluster offset 0x${host.toString(16)} is not cluster-aligned (L2 index ${index})`);
  return { kind, host, compressedBytes: 0 };
}

/**
 * A compressed cluster descriptor: with x = 62 - (cluster_bits - 8), bits 0..x-1 are the host
 * byte offset and bits x..61 the number of 512-byte sectors after the first one.
 */
function decodeCompressed(high: number, low: number, layout: EntryLayout): Granule {
  const shift = 62 - (layout.clusterBits - 8) - 32;
  const offsetHigh = high & ((1 << shift) - 1);
  const sectors = ((high & 0x3fffffff) >>> shift) + 1;
  if (offsetHigh > MAX_SAFE_HIGH) throw new ImageCorruptionError('qcow2 compressed cluster offset is beyond 2^53');
  const host = offsetHigh * TWO_POW_32 + (low >>> 0);
  return { kind: 'compressed', host, compressedBytes: sectors * 512 - (low & 511) };
}
