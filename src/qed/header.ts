/**
 * The QED header: decode, encode and validate the 64-byte struct at file offset 0, plus the
 * backing file name that follows it. Pure functions over bytes; no I/O.
 */
import { readU32LE, readU64LE, viewOf, writeU32LE, writeU64LE } from './bytes.ts';
import {
  FEATURE_BACKING_FILE,
  FEATURE_BACKING_FORMAT_NO_PROBE,
  FEATURE_NEED_CHECK,
  HEADER_OFFSET,
  HEADER_STRUCT_SIZE_BYTES,
  KNOWN_FEATURES,
  MAX_BACKING_NAME_BYTES,
  QED_MAGIC,
  SECTOR_SIZE_BYTES,
} from './constants.ts';
import { QedCorruptionError, QedFormatError } from './errors.ts';
import { type Geometry, isValidClusterSize, isValidTableOffset, isValidTableSize, makeGeometry, roundDownToCluster } from './geometry.ts';

/** The header fields exactly as stored (u64 feature words as bigint, offsets as numbers). */
export interface QedHeader {
  /** Bytes per cluster. */
  clusterSize: number;
  /** Clusters per table. */
  tableSize: number;
  /** Clusters in the header area. */
  headerSize: number;
  /** Incompatible feature bits. */
  features: bigint;
  /** Compatible feature bits (kept as they are). */
  compatFeatures: bigint;
  /** Auto-clear feature bits. */
  autoclearFeatures: bigint;
  /** File offset of the L1 table, in bytes. */
  l1TableOffset: number;
  /** Virtual disk size in bytes. */
  imageSize: number;
  /** File offset of the backing file name, in bytes. */
  backingFilenameOffset: number;
  /** Length of the backing file name, in bytes. */
  backingFilenameSize: number;
}

/** Returns true when the first bytes of `bytes` carry the QED magic. */
export function hasQedMagic(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 4 && readU32LE(viewOf(bytes), HEADER_OFFSET.magic) === QED_MAGIC;
}

/** A u64 as a number, or `Infinity` above 2^53 (which `validateHeader` then rejects in QEMU's order). */
function toNumberOrInfinity(value: bigint): number {
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(value);
}

/**
 * Decodes the 64-byte header struct. Checks only the length and the magic; `validateHeader`
 * applies QEMU's open-time rules. Offsets beyond 2^53 decode as `Infinity`. Throws
 * `QedFormatError`.
 */
export function decodeHeader(bytes: Uint8Array): QedHeader {
  if (bytes.byteLength < HEADER_STRUCT_SIZE_BYTES) {
    throw new QedFormatError(`Image not in QED format: file is ${bytes.byteLength} bytes, shorter than the 64-byte header`);
  }
  if (!hasQedMagic(bytes)) throw new QedFormatError('Image not in QED format: bad magic');
  const view = viewOf(bytes);
  return {
    clusterSize: readU32LE(view, HEADER_OFFSET.clusterSize),
    tableSize: readU32LE(view, HEADER_OFFSET.tableSize),
    headerSize: readU32LE(view, HEADER_OFFSET.headerSize),
    features: readU64LE(view, HEADER_OFFSET.features),
    compatFeatures: readU64LE(view, HEADER_OFFSET.compatFeatures),
    autoclearFeatures: readU64LE(view, HEADER_OFFSET.autoclearFeatures),
    l1TableOffset: toNumberOrInfinity(readU64LE(view, HEADER_OFFSET.l1TableOffset)),
    imageSize: toNumberOrInfinity(readU64LE(view, HEADER_OFFSET.imageSize)),
    backingFilenameOffset: readU32LE(view, HEADER_OFFSET.backingFilenameOffset),
    backingFilenameSize: readU32LE(view, HEADER_OFFSET.backingFilenameSize),
  };
}

/** Encodes the 64-byte header struct. Bytes after the struct are never touched by qedisk. */
export function encodeHeader(header: QedHeader): Uint8Array {
  const bytes = new Uint8Array(HEADER_STRUCT_SIZE_BYTES);
  const view = viewOf(bytes);
  writeU32LE(view, HEADER_OFFSET.magic, QED_MAGIC);
  writeU32LE(view, HEADER_OFFSET.clusterSize, header.clusterSize);
  writeU32LE(view, HEADER_OFFSET.tableSize, header.tableSize);
  writeU32LE(view, HEADER_OFFSET.headerSize, header.headerSize);
  writeU64LE(view, HEADER_OFFSET.features, header.features);
  writeU64LE(view, HEADER_OFFSET.compatFeatures, header.compatFeatures);
  writeU64LE(view, HEADER_OFFSET.autoclearFeatures, header.autoclearFeatures);
  writeU64LE(view, HEADER_OFFSET.l1TableOffset, BigInt(header.l1TableOffset));
  writeU64LE(view, HEADER_OFFSET.imageSize, BigInt(header.imageSize));
  writeU32LE(view, HEADER_OFFSET.backingFilenameOffset, header.backingFilenameOffset);
  writeU32LE(view, HEADER_OFFSET.backingFilenameSize, header.backingFilenameSize);
  return bytes;
}

/** True when the image names a backing file. */
export function hasBackingFile(header: QedHeader): boolean {
  return (header.features & FEATURE_BACKING_FILE) !== 0n;
}

/** True when the need-check (dirty) bit is set. */
export function needsCheck(header: QedHeader): boolean {
  return (header.features & FEATURE_NEED_CHECK) !== 0n;
}

/** True when the backing file must be opened as raw without probing. */
export function isBackingRaw(header: QedHeader): boolean {
  return (header.features & FEATURE_BACKING_FORMAT_NO_PROBE) !== 0n;
}

/** True when `imageSize` (bytes) is legal for the geometry: a multiple of 512 within the maximum. */
export function isValidImageSize(geometry: Geometry, imageSize: number): boolean {
  return Number.isSafeInteger(imageSize) && imageSize >= 0 && imageSize % SECTOR_SIZE_BYTES === 0 && BigInt(imageSize) <= geometry.maxImageSize;
}

/**
 * Applies QEMU's open-time validation, in QEMU's order, for a file of `fileSize` bytes, and
 * returns the derived geometry. Throws `QedFormatError` for unsupported or malformed headers and
 * `QedCorruptionError` for offsets that point outside the file.
 */
export function validateHeader(header: QedHeader, fileSize: number): Geometry {
  const unknown = header.features & ~KNOWN_FEATURES;
  if (unknown !== 0n) throw new QedFormatError(`Unsupported QED features: ${unknown.toString(16)}`);
  if (!isValidClusterSize(header.clusterSize)) {
    throw new QedFormatError(`QED cluster size ${header.clusterSize} must be a power of 2 within [4096, 67108864]`);
  }
  if (!isValidTableSize(header.tableSize)) {
    throw new QedFormatError(`QED table size ${header.tableSize} must be a power of 2 within [1, 16]`);
  }
  const geometry = makeGeometry(header.clusterSize, header.tableSize, header.headerSize);
  if (!isValidImageSize(geometry, header.imageSize)) {
    throw new QedFormatError(`QED image size ${header.imageSize} is invalid (must be a multiple of 512, at most ${geometry.maxImageSize})`);
  }
  if (header.headerSize > Math.floor(0xffffffff / header.clusterSize)) {
    throw new QedFormatError(`QED header size ${header.headerSize} clusters is too large`);
  }
  const fileEnd = roundDownToCluster(geometry, fileSize);
  if (!isValidTableOffset(geometry, header.l1TableOffset, fileEnd)) {
    throw new QedCorruptionError(`QED L1 table offset 0x${header.l1TableOffset.toString(16)} is invalid for a ${fileSize}-byte file`);
  }
  if (hasBackingFile(header)) {
    const end = header.backingFilenameOffset + header.backingFilenameSize;
    if (end > header.headerSize * header.clusterSize) throw new QedFormatError('QED backing filename offset is invalid');
    if (header.backingFilenameSize > MAX_BACKING_NAME_BYTES) {
      throw new QedFormatError(`QED backing filename is ${header.backingFilenameSize} bytes, more than ${MAX_BACKING_NAME_BYTES}`);
    }
  }
  return geometry;
}

/** Decodes a backing name from its stored bytes (UTF-8, exactly `backingFilenameSize` bytes). */
export function decodeBackingName(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}

/** Encodes a backing name as stored bytes (UTF-8). */
export function encodeBackingName(name: string): Uint8Array {
  return new TextEncoder().encode(name);
}
