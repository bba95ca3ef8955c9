/** Decoding and validating the qcow2 header and its extensions (pure: bytes in, values out). */
import { readAscii, readU32BE, readU64BE, readU64BEBig, viewOf } from '../codec/bytes.ts';
import { ImageEncryptedError, ImageFormatError, ImageUnsupportedError } from '../errors.ts';
import {
  COMPRESSION_TYPE,
  CRYPT_METHOD,
  EXTENSION,
  INCOMPATIBLE,
  KNOWN_INCOMPATIBLE,
  MAX_BACKING_FORMAT_BYTES,
  MAX_BACKING_NAME_BYTES,
  MAX_CLUSTER_BITS,
  MAX_L1_TABLE_BYTES,
  MAX_REFCOUNT_TABLE_BYTES,
  MAX_SNAPSHOTS,
  MIN_CLUSTER_BITS,
  MIN_EXTENDED_L2_CLUSTER_BITS,
  QCOW2_HEADER_OFFSET as AT,
  QCOW2_MAGIC,
  QCOW2_V2_HEADER_BYTES,
  QCOW2_V3_MIN_HEADER_BYTES,
} from './constants.ts';

/** The fields of a qcow2 header that reading needs. Offsets and sizes in bytes. */
export interface Qcow2Header {
  version: 2 | 3;
  backingFileOffset: number;
  backingFileSize: number;
  clusterBits: number;
  clusterSize: number;
  /** Virtual disk size. */
  size: number;
  cryptMethod: number;
  l1Size: number;
  l1TableOffset: number;
  incompatibleFeatures: bigint;
  compatibleFeatures: bigint;
  autoclearFeatures: bigint;
  refcountOrder: number;
  headerLength: number;
  compressionType: 'zlib' | 'zstd';
  extendedL2: boolean;
  /** Bytes mapped by one L2 table. */
  bytesPerL2Table: number;
  /** L1 entries the virtual size needs (the active table may hold more, for VM state). */
  l1EntriesNeeded: number;
}

/** What the header extensions say. */
export interface Qcow2Extensions {
  /** The backing format extension, or null. */
  backingFormat: string | null;
  /** The external data file name extension, or null. */
  dataFile: string | null;
  /** Names of features from the feature name table, keyed `type:bit`. */
  featureNames: Map<string, string>;
}

/** Bytes of the header a decoder needs to see (version 3 fields, compression type). */
export const QCOW2_HEADER_PROBE_BYTES = 112;

/** True when `bytes` starts with the qcow2 magic. */
export function hasQcow2Magic(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 4 && readU32BE(viewOf(bytes), 0) === QCOW2_MAGIC;
}

/**
 * Decodes and validates the header in `bytes` (at least `QCOW2_HEADER_PROBE_BYTES` long), in
 * QEMU's order of checks for a read-only open. Throws `ImageFormatError`,
 * `ImageUnsupportedError` or `ImageEncryptedError`.
 */
export function decodeQcow2Header(bytes: Uint8Array): Qcow2Header {
  if (bytes.byteLength < QCOW2_HEADER_PROBE_BYTES) throw new ImageFormatError(`qcow2 header needs ${QCOW2_HEADER_PROBE_BYTES} bytes, got ${bytes.byteLength}`);
  const view = viewOf(bytes);
  if (readU32BE(view, AT.magic) !== QCOW2_MAGIC) throw new ImageFormatError('image is not in qcow2 format (bad magic)');
  const version = readU32BE(view, AT.version);
  if (version !== 2 && version !== 3) throw new ImageUnsupportedError(`unsupported qcow2 version ${version}`);
  const clusterBits = readU32BE(view, AT.clusterBits);
  if (clusterBits < MIN_CLUSTER_BITS || clusterBits > MAX_CLUSTER_BITS) throw new ImageFormatError(`unsupported qcow2 cluster size: 2^${clusterBits}`);
  const clusterSize = 2 ** clusterBits;
  const v3 = version === 3;
  const headerLength = v3 ? readU32BE(view, AT.headerLength) : QCOW2_V2_HEADER_BYTES;
  if (v3 && headerLength < QCOW2_V3_MIN_HEADER_BYTES) throw new ImageFormatError(`qcow2 header length ${headerLength} is too short`);
  if (headerLength > clusterSize) throw new ImageFormatError(`qcow2 header length ${headerLength} exceeds the cluster size`);
  const backingFileOffset = readU64BE(view, AT.backingFileOffset);
  if (backingFileOffset > clusterSize) throw new ImageFormatError(`invalid qcow2 backing file offset ${backingFileOffset}`);
  const incompatibleFeatures = v3 ? readU64BEBig(view, AT.incompatibleFeatures) : 0n;
  const unknown = incompatibleFeatures & ~KNOWN_INCOMPATIBLE;
  if (unknown !== 0n) throw new ImageUnsupportedError(`unsupported qcow2 incompatible feature bits 0x${unknown.toString(16)}`);
  const compressionByte = v3 && headerLength > AT.compressionType ? bytes[AT.compressionType]! : COMPRESSION_TYPE.zlib;
  const compressionBit = (incompatibleFeatures & INCOMPATIBLE.compressionType) !== 0n;
  if (compressionByte !== COMPRESSION_TYPE.zlib && compressionByte !== COMPRESSION_TYPE.zstd) throw new ImageUnsupportedError(`unknown qcow2 compression type ${compressionByte}`);
  if (compressionByte === COMPRESSION_TYPE.zlib && compressionBit) throw new ImageFormatError('qcow2 compression type bit is set for zlib compression');
  if (compressionByte !== COMPRESSION_TYPE.zlib && !compressionBit) throw new ImageFormatError('qcow2 compression type bit is not set for a non-zlib compression type');
  const refcountOrder = v3 ? readU32BE(view, AT.refcountOrder) : 4;
  if (refcountOrder > 6) throw new ImageFormatError(`qcow2 refcount order ${refcountOrder} is too large`);
  const cryptMethod = readU32BE(view, AT.cryptMethod);
  if (cryptMethod > CRYPT_METHOD.luks) throw new ImageUnsupportedError(`unsupported qcow2 encryption method ${cryptMethod}`);
  if (cryptMethod !== CRYPT_METHOD.none) throw new ImageEncryptedError(`the qcow2 image is encrypted (${cryptMethod === CRYPT_METHOD.aes ? 'AES' : 'LUKS'}); qedisk does not decrypt images`);
  const extendedL2 = (incompatibleFeatures & INCOMPATIBLE.extendedL2) !== 0n;
  if (extendedL2 && clusterBits < MIN_EXTENDED_L2_CLUSTER_BITS) throw new ImageFormatError('qcow2 extended L2 entries need clusters of at least 16 KiB');
  validateOtherTables(view, clusterSize);
  const size = readU64BE(view, AT.size);
  const bytesPerL2Table = (clusterSize / (extendedL2 ? 16 : 8)) * clusterSize;
  const l1EntriesNeeded = Math.ceil(size / bytesPerL2Table);
  if (!Number.isSafeInteger(size) || l1EntriesNeeded > 0x7fffffff) throw new ImageFormatError('qcow2 image is too big');
  const l1Size = readU32BE(view, AT.l1Size);
  if (l1Size > MAX_L1_TABLE_BYTES / 8) throw new ImageFormatError(`qcow2 active L1 table of ${l1Size} entries is too large`);
  if (l1Size < l1EntriesNeeded) throw new ImageFormatError(`qcow2 L1 table of ${l1Size} entries is too small for ${size} bytes`);
  const l1TableOffset = readU64BE(view, AT.l1TableOffset);
  if (l1Size > 0 && (l1TableOffset % clusterSize !== 0 || !Number.isSafeInteger(l1TableOffset + l1Size * 8))) throw new ImageFormatError(`invalid qcow2 L1 table offset ${l1TableOffset}`);
  const backingFileSize = backingFileOffset === 0 ? 0 : readU32BE(view, AT.backingFileSize);
  if (backingFileSize > MAX_BACKING_NAME_BYTES) throw new ImageFormatError(`qcow2 backing file name of ${backingFileSize} bytes is too long`);
  return {
    version,
    backingFileOffset,
    backingFileSize,
    clusterBits,
    clusterSize,
    size,
    cryptMethod,
    l1Size,
    l1TableOffset,
    incompatibleFeatures,
    compatibleFeatures: v3 ? readU64BEBig(view, AT.compatibleFeatures) : 0n,
    autoclearFeatures: v3 ? readU64BEBig(view, AT.autoclearFeatures) : 0n,
    refcountOrder,
    headerLength,
    compressionType: compressionByte === COMPRESSION_TYPE.zstd ? 'zstd' : 'zlib',
    extendedL2,
    bytesPerL2Table,
    l1EntriesNeeded,
  };
}

/** QEMU's checks of the refcount and snapshot tables' places, which it makes even read-only. */
function validateOtherTables(view: DataView, clusterSize: number): void {
  const refcountClusters = readU32BE(view, AT.refcountTableClusters);
  const refcountOffset = readU64BE(view, AT.refcountTableOffset);
  if (refcountClusters === 0) throw new ImageFormatError('qcow2 image does not contain a reference count table');
  if (refcountClusters > MAX_REFCOUNT_TABLE_BYTES / clusterSize) throw new ImageFormatError(`qcow2 reference count table of ${refcountClusters} clusters is too large`);
  if (refcountOffset % clusterSize !== 0 || !Number.isSafeInteger(refcountOffset + refcountClusters * clusterSize)) throw new ImageFormatError(`invalid qcow2 reference count table offset ${refcountOffset}`);
  const snapshots = readU32BE(view, AT.snapshotCount);
  const snapshotsOffset = readU64BE(view, AT.snapshotsOffset);
  if (snapshots > MAX_SNAPSHOTS) throw new ImageFormatError(`qcow2 snapshot table of ${snapshots} entries is too large`);
  if (snapshotsOffset % clusterSize !== 0 || !Number.isSafeInteger(snapshotsOffset)) throw new ImageFormatError(`invalid qcow2 snapshot table offset ${snapshotsOffset}`);
}

/**
 * Decodes the header extensions in `area` (the file's first bytes, up to the end of the
 * extension area: the backing file name's offset, or the first cluster's end). Throws
 * `ImageFormatError` for an extension that runs past the area or a backing format name too long.
 */
export function decodeQcow2Extensions(area: Uint8Array, header: Qcow2Header): Qcow2Extensions {
  const view = viewOf(area);
  const end = Math.min(area.byteLength, header.backingFileOffset === 0 ? header.clusterSize : header.backingFileOffset);
  const result: Qcow2Extensions = { backingFormat: null, dataFile: null, featureNames: new Map() };
  let at = header.headerLength;
  while (at < end) {
    if (at + 8 > end) throw new ImageFormatError('qcow2 header extension runs past the extension area');
    const type = readU32BE(view, at);
    const length = readU32BE(view, at + 4);
    at += 8;
    if (length > end - at) throw new ImageFormatError(`qcow2 header extension 0x${type.toString(16)} of ${length} bytes is too large`);
    if (type === EXTENSION.end) break;
    if (type === EXTENSION.backingFormat) {
      if (length > MAX_BACKING_FORMAT_BYTES) throw new ImageFormatError(`qcow2 backing format name of ${length} bytes is too long`);
      result.backingFormat = readAscii(area, at, length);
    } else if (type === EXTENSION.dataFile) {
      result.dataFile = readAscii(area, at, length);
    } else if (type === EXTENSION.featureTable) {
      for (let entry = at; entry + 48 <= at + length; entry += 48) {
        const name = readAscii(area, entry + 2, 46).replace(/\0.*$/s, '');
        result.featureNames.set(`${area[entry]}:${area[entry + 1]}`, name);
      }
    }
    at += Math.ceil(length / 8) * 8;
  }
  return result;
}

/**
 * Checks what needs both the header and its extensions: an external data file is refused
 * (`ImageUnsupportedError`), naming unknown features from the feature table when it has them.
 */
export function validateQcow2Features(header: Qcow2Header, extensions: Qcow2Extensions): void {
  if ((header.incompatibleFeatures & INCOMPATIBLE.dataFile) !== 0n) {
    const name = extensions.dataFile === null ? '' : ` ("${extensions.dataFile}")`;
    throw new ImageUnsupportedError(`the qcow2 image keeps its data in an external data file${name}, which qedisk does not read`);
  }
}

/** Decodes a backing file name read from the file; an empty name means no backing file (as in QEMU). */
export function decodeBackingName(bytes: Uint8Array): string | null {
  const name = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return name.length === 0 ? null : name;
}

/** True when the qcow2 header at the start of `bytes` has a plausible version (2 or more). */
export function looksLikeQcow2(bytes: Uint8Array): boolean {
  return hasQcow2Magic(bytes) && bytes.byteLength >= 8 && readU32BE(viewOf(bytes), AT.version) >= 2;
}
