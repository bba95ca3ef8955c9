/**
 * A tiny QED header and table patcher for damaging images on purpose. Written independently of
 * qedisk's codec (plain `DataView` over the file's bytes), so a codec bug cannot hide a damage.
 * Every multi-byte QED field is little-endian. Offsets and sizes are in bytes.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';

/** The 64-byte QED header struct, field by field. */
export interface PokedHeader {
  magic: number;
  clusterSize: number;
  tableSize: number;
  headerSize: number;
  features: bigint;
  compatFeatures: bigint;
  autoclearFeatures: bigint;
  l1TableOffset: bigint;
  imageSize: bigint;
  backingFilenameOffset: number;
  backingFilenameSize: number;
}

/** Byte offset and width (4 or 8) of each header field. */
const LAYOUT: { readonly [K in keyof PokedHeader]: readonly [offset: number, width: 4 | 8] } = {
  magic: [0, 4],
  clusterSize: [4, 4],
  tableSize: [8, 4],
  headerSize: [12, 4],
  features: [16, 8],
  compatFeatures: [24, 8],
  autoclearFeatures: [32, 8],
  l1TableOffset: [40, 8],
  imageSize: [48, 8],
  backingFilenameOffset: [56, 4],
  backingFilenameSize: [60, 4],
};

/** Reads `length` bytes at file offset `at` (zeros past the end). */
function readAt(path: string, at: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, bytes, 0, length, at);
  } finally {
    closeSync(fd);
  }
  return bytes;
}

/** Writes `bytes` at file offset `at`. */
function writeAt(path: string, at: number, bytes: Uint8Array): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.byteLength, at);
  } finally {
    closeSync(fd);
  }
}

/** Reads the header struct of the QED file at `path`. */
export function readHeader(path: string): PokedHeader {
  const bytes = readAt(path, 0, 64);
  const view = new DataView(bytes.buffer);
  const u32 = (at: number): number => view.getUint32(at, true);
  const u64 = (at: number): bigint => view.getBigUint64(at, true);
  return {
    magic: u32(0),
    clusterSize: u32(4),
    tableSize: u32(8),
    headerSize: u32(12),
    features: u64(16),
    compatFeatures: u64(24),
    autoclearFeatures: u64(32),
    l1TableOffset: u64(40),
    imageSize: u64(48),
    backingFilenameOffset: u32(56),
    backingFilenameSize: u32(60),
  };
}

/** Overwrites the given header fields in place; the rest of the file is untouched. */
export function patchHeader(path: string, changes: Partial<PokedHeader>): void {
  const bytes = readAt(path, 0, 64);
  const view = new DataView(bytes.buffer);
  for (const [name, value] of Object.entries(changes)) {
    const layout = LAYOUT[name as keyof PokedHeader];
    if (layout[1] === 4) view.setUint32(layout[0], Number(value), true);
    else view.setBigUint64(layout[0], BigInt(value), true);
  }
  writeAt(path, 0, bytes);
}

/** Reads table entry `index` of the table at file offset `tableOffset`. */
function getEntry(path: string, tableOffset: number, index: number): number {
  return Number(new DataView(readAt(path, tableOffset + 8 * index, 8).buffer).getBigUint64(0, true));
}

/** Writes table entry `index` of the table at file offset `tableOffset`. */
function setEntry(path: string, tableOffset: number, index: number, value: number): void {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(value), true);
  writeAt(path, tableOffset + 8 * index, bytes);
}

/** L1 entry `index`: the file offset of an L2 table, or 0. */
export function getL1Entry(path: string, index: number): number {
  return getEntry(path, Number(readHeader(path).l1TableOffset), index);
}

/** Sets L1 entry `index` to `value` (a file offset, or anything, to damage it). */
export function setL1Entry(path: string, index: number, value: number): void {
  setEntry(path, Number(readHeader(path).l1TableOffset), index, value);
}

/** Entry `l2Index` of the L2 table that L1 entry `l1Index` points at (that L1 entry must be set). */
export function getL2Entry(path: string, l1Index: number, l2Index: number): number {
  return getEntry(path, l2TableOffset(path, l1Index), l2Index);
}

/** Sets entry `l2Index` of the L2 table that L1 entry `l1Index` points at. */
export function setL2Entry(path: string, l1Index: number, l2Index: number, value: number): void {
  setEntry(path, l2TableOffset(path, l1Index), l2Index, value);
}

/** File offset of the L2 table of L1 slot `l1Index`; throws when the slot is empty. */
function l2TableOffset(path: string, l1Index: number): number {
  const offset = getL1Entry(path, l1Index);
  if (offset === 0) throw new Error(`L1 entry ${l1Index} of ${path} is empty`);
  return offset;
}
