/**
 * VDI (VirtualBox Disk Image) version 1.1 header. Every multi-byte field is little-endian.
 * Pure: bytes in, values out.
 *
 * ```
 * | header (512) | ... | block map (u32 per 1 MiB block) | ... | blocks (1 MiB each) |
 * block i of the disk is at offset_data + map[i] * block_size; map[i] >= 0xfffffffe: zeros
 * ```
 */
import { readU32LE, readU64LE, viewOf } from '../codec/bytes.ts';
import { ImageFormatError, ImageUnsupportedError } from '../errors.ts';

/** Signature at `VDI_SIGNATURE_OFFSET`. */
export const VDI_SIGNATURE = 0xbeda107f;
/** Byte offset of the signature. */
export const VDI_SIGNATURE_OFFSET = 64;
/** Bytes of the header. */
export const VDI_HEADER_BYTES = 512;
/** Block map entries at or above this value are not allocated (unallocated or discarded): zeros. */
export const VDI_FIRST_UNALLOCATED = 0xfffffffe;
/** The only block size QEMU supports, in bytes. */
const BLOCK_BYTES = 1024 * 1024;
/** Version 1.1, as stored. */
const VERSION_1_1 = 0x00010001;

/** Byte offsets of the header fields. */
const AT = { signature: 64, version: 68, imageType: 76, offsetBmap: 340, offsetData: 344, sectorSize: 360, diskSize: 368, blockSize: 376, blocksInImage: 384, uuidLink: 424, uuidParent: 440 } as const;

/** What the header says. */
export interface VdiHeader {
  /** 1 dynamic, 2 static (not needed for reading). */
  imageType: number;
  /** File offset of the block map. */
  offsetBmap: number;
  /** File offset of block 0. */
  offsetData: number;
  /** Virtual size in bytes (rounded up to 512, as QEMU does). */
  diskSize: number;
  /** Bytes per block. */
  blockSize: number;
  blocksInImage: number;
}

/** True when the 16 bytes at `at` are all zero. */
function isNullUuid(bytes: Uint8Array, at: number): boolean {
  for (let i = at; i < at + 16; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** Decodes and validates a header, in QEMU's order of checks. Throws `ImageFormatError` or `ImageUnsupportedError`. */
export function decodeVdiHeader(bytes: Uint8Array): VdiHeader {
  if (bytes.byteLength < VDI_HEADER_BYTES) throw new ImageFormatError('VDI header is truncated');
  const view = viewOf(bytes);
  const signature = readU32LE(view, AT.signature);
  if (signature !== VDI_SIGNATURE) throw new ImageFormatError(`image not in VDI format (bad signature 0x${signature.toString(16)})`);
  const version = readU32LE(view, AT.version);
  if (version !== VERSION_1_1) throw new ImageUnsupportedError(`unsupported VDI image (version ${version >>> 16}.${version & 0xffff})`);
  const offsetBmap = readU32LE(view, AT.offsetBmap);
  const offsetData = readU32LE(view, AT.offsetData);
  if (offsetBmap % 512 !== 0) throw new ImageUnsupportedError(`unsupported VDI image (unaligned block map offset 0x${offsetBmap.toString(16)})`);
  if (offsetData % 512 !== 0) throw new ImageUnsupportedError(`unsupported VDI image (unaligned data offset 0x${offsetData.toString(16)})`);
  const sectorSize = readU32LE(view, AT.sectorSize);
  if (sectorSize !== 512) throw new ImageUnsupportedError(`unsupported VDI image (sector size ${sectorSize} is not 512)`);
  const blockSize = readU32LE(view, AT.blockSize);
  if (blockSize !== BLOCK_BYTES) throw new ImageUnsupportedError(`unsupported VDI image (block size ${blockSize} is not ${BLOCK_BYTES})`);
  const rawSize = readU64LE(view, AT.diskSize);
  if (!Number.isSafeInteger(rawSize)) throw new ImageUnsupportedError('unsupported VDI image (disk size beyond 2^53)');
  const diskSize = Math.ceil(rawSize / 512) * 512;
  const blocksInImage = readU32LE(view, AT.blocksInImage);
  if (diskSize > blocksInImage * blockSize) throw new ImageUnsupportedError(`unsupported VDI image (disk size ${diskSize}, block map has room for ${blocksInImage * blockSize})`);
  if (!isNullUuid(bytes, AT.uuidLink)) throw new ImageUnsupportedError('unsupported VDI image (non-null link UUID)');
  if (!isNullUuid(bytes, AT.uuidParent)) throw new ImageUnsupportedError('unsupported VDI image (non-null parent UUID: a differencing image)');
  return { imageType: readU32LE(view, AT.imageType), offsetBmap, offsetData, diskSize, blockSize, blocksInImage };
}
