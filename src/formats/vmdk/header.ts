/**
 * VMDK hosted sparse extent header ("KDMV", VMware Virtual Disk Format 1.1, as QEMU reads it).
 * Every multi-byte field is little-endian; sizes and offsets are stored in 512-byte sectors.
 * Pure: bytes in, values out.
 *
 * ```
 * monolithicSparse: | header | descriptor | redundant GD + GTs | GD + GTs | grains ...        |
 * streamOptimized:  | header | descriptor | grain markers + deflated grains ... | GTs | GD | footer marker | footer | end marker |
 * guest sector -> GD[sector / (grain * GTEs)] -> GT -> GTE (sector of the grain; 0 none; 1 zero grain)
 * ```
 */
import { hasAscii, readAscii, readU16LE, readU32LE, readU64LE, viewOf } from '../codec/bytes.ts';
import { ImageFormatError, ImageUnsupportedError } from '../errors.ts';

/** The magic "KDMV" as text. */
export const VMDK_SPARSE_MAGIC_TEXT = 'KDMV';
/** Bytes of the header sector. */
export const VMDK_HEADER_BYTES = 512;
/** `gdOffset` of a streamOptimized image whose real header is the footer near the end. */
const GD_AT_END_HIGH = 0xffffffff;
/** Marker types of streamOptimized images. */
export const VMDK_MARKER = { endOfStream: 0, grainTable: 1, grainDirectory: 2, footer: 3 } as const;
/** Flag bits. */
const FLAG = { zeroedGrain: 1 << 2, markers: 1 << 17 } as const;
/** Largest grain QEMU accepts: 0x200000 sectors (1 GiB). */
const MAX_GRAIN_SECTORS = 0x200000;
/** Largest grain table QEMU accepts, in entries. */
const MAX_GTES_PER_GT = 512;
/** Largest grain directory QEMU accepts, in entries. */
const MAX_GD_ENTRIES = 32 * 1024 * 1024;
/** Compression algorithm value for deflate. */
const COMPRESSION_DEFLATE = 1;

/** Byte offsets of the header fields (after the 4-byte magic at 0). */
const AT = { version: 4, flags: 8, capacity: 12, grainSize: 20, descriptorOffset: 28, descriptorSize: 36, gtesPerGt: 44, gdOffset: 56, overhead: 64, compressAlgorithm: 77 } as const;

/** What the header says, in bytes where the file says sectors. */
export interface VmdkHeader {
  version: number;
  /** Virtual size. */
  size: number;
  grainBytes: number;
  gtesPerGt: number;
  /** File offset of the grain directory. */
  gdOffset: number;
  /** Grain directory entries the virtual size needs. */
  gdEntries: number;
  descriptorOffset: number;
  descriptorBytes: number;
  /** Bytes before the first grain (the file must be at least this long). */
  overheadBytes: number;
  /** Grains are deflate-compressed (streamOptimized). */
  compressed: boolean;
  /** Compressed grains start with a 12-byte marker (LBA, size). */
  markers: boolean;
  /** A grain table entry of 1 means a zero grain. */
  zeroedGrains: boolean;
}

/** True when the grain directory lives in the footer (`gdOffset` is all ones). */
export function hasFooterHeader(bytes: Uint8Array): boolean {
  const view = viewOf(bytes);
  return readU32LE(view, AT.gdOffset) === GD_AT_END_HIGH && readU32LE(view, AT.gdOffset + 4) === GD_AT_END_HIGH;
}

/**
 * True when `bytes` (the file's first bytes) is a VMDK text descriptor by QEMU's rule: after
 * comment lines and blank lines, the first line is `version=1`, `2` or `3` (LF or CRLF).
 */
export function looksLikeVmdkDescriptor(bytes: Uint8Array): boolean {
  let at = 0;
  while (at < bytes.byteLength) {
    const byte = bytes[at];
    if (byte === 0x23) {
      while (at < bytes.byteLength && bytes[at] !== 0x0a) at++;
      at++;
    } else if (byte === 0x20) {
      while (at < bytes.byteLength && bytes[at] === 0x20) at++;
      if (at === bytes.byteLength || bytes[at] !== 0x0a) return false;
      at++;
    } else {
      return ['1', '2', '3'].some((version) => hasAscii(bytes, at, `version=${version}\n`) || hasAscii(bytes, at, `version=${version}\r\n`));
    }
  }
  return false;
}

/**
 * Decodes and validates a sparse extent header (the first sector, or the footer's copy).
 * Throws `ImageFormatError`, or `ImageUnsupportedError` for versions over 3 and
 * descriptor-only headers (capacity 0: a multi-extent disk).
 */
export function decodeVmdkHeader(bytes: Uint8Array): VmdkHeader {
  if (bytes.byteLength < VMDK_HEADER_BYTES || !hasAscii(bytes, 0, VMDK_SPARSE_MAGIC_TEXT)) throw new ImageFormatError('not a VMDK sparse extent (bad magic)');
  const view = viewOf(bytes);
  const version = readU32LE(view, AT.version);
  if (version > 3) throw new ImageUnsupportedError(`unsupported VMDK version ${version}`);
  const flags = readU32LE(view, AT.flags);
  const capacity = readU64LE(view, AT.capacity);
  const grainSectors = readU64LE(view, AT.grainSize);
  const gtesPerGt = readU32LE(view, AT.gtesPerGt);
  if (capacity === 0) throw new ImageUnsupportedError('VMDK extent of capacity 0 (a descriptor-based multi-extent disk) is not supported');
  if (!Number.isSafeInteger(capacity * 512)) throw new ImageFormatError('VMDK capacity is beyond 2^53 bytes');
  if (gtesPerGt > MAX_GTES_PER_GT) throw new ImageFormatError(`VMDK grain table of ${gtesPerGt} entries is too big`);
  if (gtesPerGt === 0 || grainSectors === 0) throw new ImageFormatError('VMDK grain directory entry size is invalid');
  if (grainSectors > MAX_GRAIN_SECTORS) throw new ImageFormatError(`invalid VMDK grain size of ${grainSectors} sectors`);
  const gdEntries = Math.ceil(capacity / (gtesPerGt * grainSectors));
  if (gdEntries > MAX_GD_ENTRIES) throw new ImageFormatError(`VMDK grain directory of ${gdEntries} entries is too big`);
  const gdSector = readU64LE(view, AT.gdOffset);
  if (!Number.isSafeInteger(gdSector * 512)) throw new ImageFormatError('VMDK grain directory offset is beyond 2^53');
  return {
    version,
    size: capacity * 512,
    grainBytes: grainSectors * 512,
    gtesPerGt,
    gdOffset: gdSector * 512,
    gdEntries,
    descriptorOffset: Math.min(readU64LE(view, AT.descriptorOffset) * 512, Number.MAX_SAFE_INTEGER),
    descriptorBytes: Math.min(readU64LE(view, AT.descriptorSize) * 512, Number.MAX_SAFE_INTEGER),
    overheadBytes: Math.min(readU64LE(view, AT.overhead) * 512, Number.MAX_SAFE_INTEGER),
    compressed: readU16LE(view, AT.compressAlgorithm) === COMPRESSION_DEFLATE,
    markers: (flags & FLAG.markers) !== 0,
    zeroedGrains: (flags & FLAG.zeroedGrain) !== 0,
  };
}

/** Bytes of a streamOptimized footer area: footer marker, footer header, end-of-stream marker. */
export const VMDK_FOOTER_AREA_BYTES = 1536;

/**
 * Checks the footer area (the last 1536 bytes of a streamOptimized file) and returns the footer
 * header's bytes. Throws `ImageFormatError` when the markers or magic are wrong (as QEMU).
 */
export function footerHeaderBytes(area: Uint8Array): Uint8Array {
  const view = viewOf(area);
  // A marker is { value u64, size u32, type u32 }; QEMU does not check the footer marker's value.
  const markerOk = (at: number, type: number, valueToo: boolean): boolean =>
    (!valueToo || (readU32LE(view, at) === 0 && readU32LE(view, at + 4) === 0)) && readU32LE(view, at + 8) === 0 && readU32LE(view, at + 12) === type;
  if (area.byteLength < VMDK_FOOTER_AREA_BYTES || !markerOk(0, VMDK_MARKER.footer, false) || !hasAscii(area, 512, VMDK_SPARSE_MAGIC_TEXT) || !markerOk(1024, VMDK_MARKER.endOfStream, true)) {
    throw new ImageFormatError('invalid VMDK footer');
  }
  return area.subarray(512, 1024);
}

/**
 * Looks in an embedded descriptor for a parent link (`parentFileNameHint`); a delta disk is
 * refused with `ImageUnsupportedError`.
 */
export function checkVmdkDescriptor(descriptor: Uint8Array): void {
  const text = readAscii(descriptor, 0, descriptor.byteLength);
  const parent = /parentFileNameHint\s*=\s*"([^"]*)"/.exec(text);
  if (parent) throw new ImageUnsupportedError(`VMDK delta disks are not supported (parent "${parent[1]}"); convert the chain with qemu-img first`);
}
