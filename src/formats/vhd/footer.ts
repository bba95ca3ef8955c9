/**
 * VHD ("vpc") footer and dynamic-disk header (Microsoft's Virtual Hard Disk Image Format
 * Specification). Every multi-byte field is big-endian. Pure: bytes in, values out.
 *
 * ```
 * fixed:    | disk data ................................. | footer (512) |
 * dynamic:  | footer copy (512) | dynamic header (1024) | BAT | blocks ... | footer (512) |
 *           block = sector bitmap (rounded up to 512 bytes) + block data
 * ```
 */
import { hasAscii, readAscii, readU16BE, readU32BE, readU64BE, viewOf } from '../codec/bytes.ts';
import { ImageFormatError, ImageUnsupportedError } from '../errors.ts';

/** Bytes of the footer. */
export const VHD_FOOTER_BYTES = 512;
/** Bytes of the dynamic disk header. */
export const VHD_DYNAMIC_HEADER_BYTES = 1024;
/** BAT entry of a block with no data. */
export const VHD_UNALLOCATED = 0xffffffff;
/** QEMU's limit on the disk size: 2040 GiB, in 512-byte sectors. */
const MAX_SECTORS = 0xff000000;
/** The largest CHS geometry (65535 cylinders, 16 heads, 255 sectors), in sectors. */
const MAX_GEOMETRY_SECTORS = 65535 * 16 * 255;
/** Creator applications whose images give their size in `current_size`, not CHS (as QEMU lists them). */
const SIZE_FROM_CURRENT_SIZE = ['win ', 'qem2', 'd2v ', 'CTXS', 'tap\0'];

/** Byte offsets of the footer fields. */
const FOOTER_AT = { cookie: 0, dataOffset: 16, creatorApp: 28, currentSize: 48, cylinders: 56, heads: 58, sectors: 59, diskType: 60, checksum: 64 } as const;
/** Byte offsets of the dynamic header fields. */
const DYNAMIC_AT = { cookie: 0, tableOffset: 16, maxTableEntries: 28, blockSize: 32 } as const;

/** What the footer says. */
export interface VhdFooter {
  diskType: 'fixed' | 'dynamic' | 'differencing';
  /** File offset of the dynamic header (dynamic and differencing disks). */
  dataOffset: number;
  /** The `current_size` field, in bytes. */
  currentSize: number;
  /** The virtual size QEMU uses: CHS-based or `current_size`, by creator application. */
  size: number;
  /** True when the stored checksum matches the footer's bytes. */
  checksumValid: boolean;
}

/** What the dynamic header says. */
export interface VhdDynamicHeader {
  /** File offset of the block allocation table. */
  tableOffset: number;
  maxTableEntries: number;
  /** Bytes of disk data per block. */
  blockSize: number;
  /** Bytes of the sector bitmap in front of each block's data. */
  bitmapBytes: number;
}

/** The VHD checksum: the one's complement of the byte sum, with the checksum field taken as zero. */
export function vhdChecksum(bytes: Uint8Array, checksumAt: number): number {
  let sum = 0;
  for (let i = 0; i < bytes.byteLength; i++) if (i < checksumAt || i >= checksumAt + 4) sum += bytes[i]!;
  return ~sum >>> 0;
}

/** Decodes a footer. Throws `ImageFormatError` for a bad cookie, disk type or size. */
export function decodeVhdFooter(bytes: Uint8Array): VhdFooter {
  if (bytes.byteLength < VHD_FOOTER_BYTES || !hasAscii(bytes, FOOTER_AT.cookie, 'conectix')) throw new ImageFormatError('invalid VHD footer (no "conectix" cookie)');
  const view = viewOf(bytes);
  const type = readU32BE(view, FOOTER_AT.diskType);
  const diskType = type === 2 ? 'fixed' : type === 3 ? 'dynamic' : type === 4 ? 'differencing' : null;
  if (diskType === null) throw new ImageFormatError(`unknown VHD disk type ${type}`);
  const currentSize = readU64BE(view, FOOTER_AT.currentSize);
  const chsSectors = readU16BE(view, FOOTER_AT.cylinders) * bytes[FOOTER_AT.heads]! * bytes[FOOTER_AT.sectors]!;
  const useCurrentSize = SIZE_FROM_CURRENT_SIZE.includes(readAscii(bytes, FOOTER_AT.creatorApp, 4)) || chsSectors === MAX_GEOMETRY_SECTORS;
  const sectors = useCurrentSize ? Math.floor(currentSize / 512) : chsSectors;
  if (sectors > MAX_SECTORS) throw new ImageFormatError(`VHD disk size of ${sectors} sectors is over the 2040 GiB limit`);
  return {
    diskType,
    dataOffset: readU64BE(view, FOOTER_AT.dataOffset),
    currentSize,
    size: sectors * 512,
    checksumValid: vhdChecksum(bytes.subarray(0, VHD_FOOTER_BYTES), FOOTER_AT.checksum) === readU32BE(view, FOOTER_AT.checksum),
  };
}

/**
 * Decodes a dynamic disk header for a disk of `size` bytes, with QEMU's checks. Throws
 * `ImageFormatError`; `ImageUnsupportedError` for a BAT too large to hold.
 */
export function decodeVhdDynamicHeader(bytes: Uint8Array, size: number): VhdDynamicHeader {
  if (bytes.byteLength < VHD_DYNAMIC_HEADER_BYTES || !hasAscii(bytes, DYNAMIC_AT.cookie, 'cxsparse')) throw new ImageFormatError('invalid VHD dynamic disk header (no "cxsparse" cookie)');
  const view = viewOf(bytes);
  const blockSize = readU32BE(view, DYNAMIC_AT.blockSize);
  if (blockSize < 512 || (blockSize & (blockSize - 1)) !== 0) throw new ImageFormatError(`invalid VHD block size ${blockSize}`);
  const maxTableEntries = readU32BE(view, DYNAMIC_AT.maxTableEntries);
  if (maxTableEntries * blockSize < size) throw new ImageFormatError(`VHD block table of ${maxTableEntries} entries is too small for ${size} bytes`);
  if (maxTableEntries > 0x7fffffff / 4) throw new ImageUnsupportedError(`VHD block table of ${maxTableEntries} entries is too large`);
  const tableOffset = readU64BE(view, DYNAMIC_AT.tableOffset);
  if (!Number.isSafeInteger(tableOffset)) throw new ImageFormatError('VHD block table offset is beyond 2^53');
  return { tableOffset, maxTableEntries, blockSize, bitmapBytes: Math.ceil(Math.floor(blockSize / (8 * 512)) / 512) * 512 };
}
