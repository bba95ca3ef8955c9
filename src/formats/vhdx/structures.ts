/**
 * VHDX structures (Microsoft's VHDX Format Specification 1.0): headers, region table,
 * metadata table, BAT entries. Every multi-byte field is little-endian; GUIDs are stored in
 * Microsoft's mixed-endian layout. Pure: bytes in, values out.
 *
 * ```
 * 0      64K      128K     192K     256K    1M ...
 * | ident | header1 | header2 | region1 | region2 | log | metadata region | BAT | payload blocks |
 * BAT: per chunk, `chunkRatio` payload block entries then one sector bitmap entry
 * ```
 */
import { hasAscii, readU16LE, readU32LE, readU64LE, viewOf } from '../codec/bytes.ts';
import { crc32c } from '../codec/crc32c.ts';
import { ImageFormatError, ImageUnsupportedError } from '../errors.ts';

/** File offsets of the two headers and the first region table. */
export const VHDX_HEADER_OFFSETS = [64 * 1024, 128 * 1024] as const;
export const VHDX_REGION_TABLE_OFFSET = 192 * 1024;
/** Bytes read for a header, and checksummed. */
export const VHDX_HEADER_BYTES = 4096;
/** Bytes of a region table (checksummed whole). */
export const VHDX_REGION_TABLE_BYTES = 64 * 1024;
/** Bytes of the metadata table at the start of the metadata region. */
export const VHDX_METADATA_TABLE_BYTES = 64 * 1024;
const MIB = 1024 * 1024;
/** Most entries a region or metadata table may have. */
const MAX_TABLE_ENTRIES = 2047;
/** Block size limits, in bytes. */
const MIN_BLOCK_BYTES = MIB;
const MAX_BLOCK_BYTES = 256 * MIB;
/** Largest virtual disk, in bytes (64 TiB). */
const MAX_DISK_BYTES = 64 * 1024 * 1024 * MIB;
/** Sectors per bitmap block: 2^23. */
const SECTORS_PER_BITMAP_BLOCK = 2 ** 23;

/** Converts a GUID text to its on-disk bytes (first three fields little-endian). */
export function guidBytes(text: string): Uint8Array {
  const hex = text.replace(/-/g, '');
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  const swap = (a: number, b: number): void => {
    const t = bytes[a]!;
    bytes[a] = bytes[b]!;
    bytes[b] = t;
  };
  swap(0, 3);
  swap(1, 2);
  swap(4, 5);
  swap(6, 7);
  return bytes;
}

/** True when the 16 bytes at `at` equal `guid`. */
function guidAt(bytes: Uint8Array, at: number, guid: Uint8Array): boolean {
  for (let i = 0; i < 16; i++) if (bytes[at + i] !== guid[i]) return false;
  return true;
}

/** True when the 16 bytes at `at` are all zero. */
export function isNullGuid(bytes: Uint8Array, at: number): boolean {
  for (let i = at; i < at + 16; i++) if (bytes[i] !== 0) return false;
  return true;
}

const REGION = { bat: guidBytes('2DC27766-F623-4200-9D64-115E9BFD4A08'), metadata: guidBytes('8B7CA206-4790-4B9A-B8FE-575F050F886E') };
const ITEM = {
  fileParameters: guidBytes('CAA16737-FA36-4D43-B3B6-33F0AA44E76B'),
  virtualDiskSize: guidBytes('2FA54224-CD1B-4876-B211-5DBED83BF4B8'),
  page83: guidBytes('BECA12AB-B2E6-4523-93EF-C309E000C746'),
  logicalSectorSize: guidBytes('8141BF1D-A96F-4709-BA47-F233A8FAAB5F'),
  physicalSectorSize: guidBytes('CDA348C7-445D-4471-9CC9-E9885251C556'),
  parentLocator: guidBytes('A8D35F2D-B30B-454D-ABF7-D3D84834AB0C'),
};

/** What a header says. */
export interface VhdxHeader {
  sequenceNumber: bigint;
  /** True when the log GUID is not null: the log may hold entries to replay. */
  hasLog: boolean;
  logGuid: Uint8Array;
  logOffset: number;
  logLength: number;
}

/** Decodes a header, or returns null when its signature, checksum or version is wrong. */
export function decodeVhdxHeader(bytes: Uint8Array): VhdxHeader | null {
  if (bytes.byteLength < VHDX_HEADER_BYTES || !hasAscii(bytes, 0, 'head')) return null;
  const view = viewOf(bytes);
  if (crc32c(bytes.subarray(0, VHDX_HEADER_BYTES), 4) !== readU32LE(view, 4)) return null;
  if (readU16LE(view, 66) !== 1) return null;
  return { sequenceNumber: view.getBigUint64(8, true), hasLog: !isNullGuid(bytes, 48), logGuid: bytes.slice(48, 64), logLength: readU32LE(view, 68), logOffset: readU64LE(view, 72) };
}

/** Picks the current header: the valid one with the higher sequence number. Throws `ImageFormatError` when neither is valid. */
export function currentVhdxHeader(first: VhdxHeader | null, second: VhdxHeader | null): VhdxHeader {
  if (first && second) return second.sequenceNumber > first.sequenceNumber ? second : first;
  const header = first ?? second;
  if (!header) throw new ImageFormatError('no valid VHDX header found');
  return header;
}

/** A region's place in the file. */
export interface VhdxRegion {
  offset: number;
  length: number;
}

/**
 * Decodes the region table: the BAT and metadata regions. Throws `ImageFormatError` for a bad
 * signature, checksum, count or alignment, `ImageUnsupportedError` for an unknown required region.
 */
export function decodeVhdxRegions(bytes: Uint8Array): { bat: VhdxRegion; metadata: VhdxRegion } {
  const view = viewOf(bytes);
  if (bytes.byteLength < VHDX_REGION_TABLE_BYTES || !hasAscii(bytes, 0, 'regi')) throw new ImageFormatError('invalid VHDX region table signature');
  if (crc32c(bytes.subarray(0, VHDX_REGION_TABLE_BYTES), 4) !== readU32LE(view, 4)) throw new ImageFormatError('VHDX region table checksum mismatch');
  const count = readU32LE(view, 8);
  if (count > MAX_TABLE_ENTRIES) throw new ImageFormatError(`VHDX region table of ${count} entries is too large`);
  let bat: VhdxRegion | null = null;
  let metadata: VhdxRegion | null = null;
  for (let i = 0; i < count; i++) {
    const at = 16 + i * 32;
    const region = { offset: readU64LE(view, at + 16), length: readU32LE(view, at + 24) };
    if (region.offset % MIB !== 0 || region.length % MIB !== 0 || region.offset < MIB || !Number.isSafeInteger(region.offset + region.length)) {
      throw new ImageFormatError(`VHDX region ${i} at ${region.offset} (${region.length} bytes) is not 1 MiB aligned`);
    }
    if (guidAt(bytes, at, REGION.bat)) bat = region;
    else if (guidAt(bytes, at, REGION.metadata)) metadata = region;
    else if (readU32LE(view, at + 28) & 1) throw new ImageUnsupportedError('VHDX image has an unknown required region');
  }
  if (!bat || !metadata) throw new ImageFormatError('VHDX region table lacks the BAT or the metadata region');
  return { bat, metadata };
}

/** What the metadata says that reading needs. */
export interface VhdxMetadata {
  blockSize: number;
  hasParent: boolean;
  virtualDiskSize: number;
  logicalSectorSize: number;
  /** Payload blocks per sector bitmap block. */
  chunkRatio: number;
  /** BAT entries the disk needs (payload and interleaved bitmap entries). */
  batEntries: number;
}

/**
 * Decodes the metadata table and its items from the metadata region's bytes (at least the table,
 * and every item the table points to). Throws `ImageFormatError` or `ImageUnsupportedError`.
 */
export function decodeVhdxMetadata(region: Uint8Array): VhdxMetadata {
  const view = viewOf(region);
  if (!hasAscii(region, 0, 'metadata')) throw new ImageFormatError('invalid VHDX metadata table signature');
  const count = readU16LE(view, 10);
  if (count > MAX_TABLE_ENTRIES) throw new ImageFormatError(`VHDX metadata table of ${count} entries is too large`);
  const found = new Map<Uint8Array, DataView>();
  for (let i = 0; i < count; i++) {
    const at = 32 + i * 32;
    const offset = readU32LE(view, at + 16);
    const length = readU32LE(view, at + 20);
    const known = Object.values(ITEM).find((guid) => guidAt(region, at, guid));
    if (!known) {
      if (readU32LE(view, at + 24) & 4) throw new ImageUnsupportedError('VHDX image has an unknown required metadata item');
      continue;
    }
    if (offset < VHDX_METADATA_TABLE_BYTES || offset + length > region.byteLength || length < 4) throw new ImageFormatError(`VHDX metadata item ${i} lies outside the metadata region`);
    found.set(known, new DataView(region.buffer, region.byteOffset + offset, length));
  }
  const item = (guid: Uint8Array, name: string, bytes: number): DataView => {
    const value = found.get(guid);
    if (!value || value.byteLength < bytes) throw new ImageFormatError(`VHDX metadata lacks the ${name} item`);
    return value;
  };
  const parameters = item(ITEM.fileParameters, 'file parameters', 8);
  item(ITEM.page83, 'page 83 data', 4);
  item(ITEM.physicalSectorSize, 'physical sector size', 4);
  const blockSize = readU32LE(parameters, 0);
  const hasParent = (readU32LE(parameters, 4) & 2) !== 0;
  const virtualDiskSize = readU64LE(item(ITEM.virtualDiskSize, 'virtual disk size', 8), 0);
  const logicalSectorSize = readU32LE(item(ITEM.logicalSectorSize, 'logical sector size', 4), 0);
  if (blockSize < MIN_BLOCK_BYTES || blockSize > MAX_BLOCK_BYTES || (blockSize & (blockSize - 1)) !== 0) throw new ImageFormatError(`invalid VHDX block size ${blockSize}`);
  if (logicalSectorSize !== 512 && logicalSectorSize !== 4096) throw new ImageFormatError(`invalid VHDX logical sector size ${logicalSectorSize}`);
  if (virtualDiskSize > MAX_DISK_BYTES || virtualDiskSize % logicalSectorSize !== 0) throw new ImageFormatError(`invalid VHDX virtual disk size ${virtualDiskSize}`);
  if (hasParent) throw new ImageUnsupportedError('differencing VHDX images are not supported (convert the chain with qemu-img first)');
  const chunkRatio = (SECTORS_PER_BITMAP_BLOCK * logicalSectorSize) / blockSize;
  const dataBlocks = Math.ceil(virtualDiskSize / blockSize);
  const batEntries = dataBlocks === 0 ? 0 : dataBlocks + Math.floor((dataBlocks - 1) / chunkRatio);
  return { blockSize, hasParent, virtualDiskSize, logicalSectorSize, chunkRatio, batEntries };
}

/** Payload block states that read as zeros without a parent. */
export const VHDX_ZERO_STATES: ReadonlySet<number> = new Set([0, 1, 2, 3]);
/** The payload block state of a block stored in the file. */
export const VHDX_FULLY_PRESENT = 6;
/** The payload block state that reads as zeros explicitly (`PAYLOAD_BLOCK_ZERO`). */
export const VHDX_ZERO = 2;

/** Decodes BAT entry `index`: its state (bits 0-2) and file offset (bits 20-63, in MiB), or Infinity beyond 2^53. */
export function decodeBatEntry(bat: DataView, index: number): { state: number; offset: number } {
  const low = readU32LE(bat, index * 8);
  const high = readU32LE(bat, index * 8 + 4);
  const offset = ((low >>> 20) + high * 4096) * MIB;
  return { state: low & 7, offset: Number.isSafeInteger(offset) ? offset : Number.POSITIVE_INFINITY };
}
