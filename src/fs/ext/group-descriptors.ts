/** Block group descriptors: decoding, checksums (crc32c or crc16) and encoding back. */
import { join64, low32, high32, setU16, setU32, u16, u32 } from '../bytes.ts';
import { crc16, crc32cRaw, crc32cU32 } from '../crc.ts';
import { FsCorruptionError } from '../errors.ts';
import { INCOMPAT } from './constants.ts';
import type { Superblock } from './superblock.ts';
import { hasGroupChecksums, hasMetadataCsum } from './superblock.ts';

/** One decoded group descriptor; `raw` keeps the fields qedisk does not use. */
export interface GroupDescriptor {
  raw: Uint8Array;
  blockBitmap: number;
  inodeBitmap: number;
  inodeTable: number;
  freeBlocks: number;
  freeInodes: number;
  usedDirs: number;
  flags: number;
  itableUnused: number;
  blockBitmapCsum: number;
  inodeBitmapCsum: number;
}

const CHECKSUM_AT = 0x1e;

/** Decodes descriptor `group` from its `sb.descSize` bytes (`raw` is kept); checks its checksum. */
export function decodeGroupDescriptor(sb: Superblock, group: number, raw: Uint8Array): GroupDescriptor {
  const wide = (sb.incompat & INCOMPAT.bit64) !== 0 && sb.descSize >= 64;
  const hi32 = (at: number): number => (wide ? u32(raw, at) : 0);
  const hi16 = (at: number): number => (wide ? u16(raw, at) : 0);
  const gd: GroupDescriptor = {
    raw,
    blockBitmap: join64(hi32(0x20), u32(raw, 0x0), 'block bitmap'),
    inodeBitmap: join64(hi32(0x24), u32(raw, 0x4), 'inode bitmap'),
    inodeTable: join64(hi32(0x28), u32(raw, 0x8), 'inode table'),
    freeBlocks: hi16(0x2c) * 0x10000 + u16(raw, 0xc),
    freeInodes: hi16(0x2e) * 0x10000 + u16(raw, 0xe),
    usedDirs: hi16(0x30) * 0x10000 + u16(raw, 0x10),
    flags: hasGroupChecksums(sb) ? u16(raw, 0x12) : 0,
    itableUnused: hasGroupChecksums(sb) ? hi16(0x32) * 0x10000 + u16(raw, 0x1c) : 0,
    blockBitmapCsum: (wide && sb.descSize >= 0x3c ? u16(raw, 0x38) * 0x10000 : 0) + u16(raw, 0x18),
    inodeBitmapCsum: (wide && sb.descSize >= 0x3c ? u16(raw, 0x3a) * 0x10000 : 0) + u16(raw, 0x1a),
  };
  if (hasGroupChecksums(sb)) {
    const stored = u16(raw, CHECKSUM_AT);
    const computed = groupDescriptorChecksum(sb, group, raw);
    if (stored !== computed) throw new FsCorruptionError(`group descriptor ${group} checksum mismatch (stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)})`);
  }
  const lastBlock = sb.blocksCount;
  for (const [what, block] of [['block bitmap', gd.blockBitmap], ['inode bitmap', gd.inodeBitmap], ['inode table', gd.inodeTable]] as const) {
    if (block < sb.firstDataBlock || block >= lastBlock) throw new FsCorruptionError(`group ${group}: ${what} at block ${block} lies outside the file system`);
  }
  const tableBlocks = Math.ceil((sb.inodesPerGroup * sb.inodeSize) / sb.blockSize);
  if (gd.inodeTable + tableBlocks > lastBlock) throw new FsCorruptionError(`group ${group}: inode table runs past the end of the file system`);
  return gd;
}

/** The checksum a descriptor's `bg_checksum` must hold (crc32c low 16 bits with metadata_csum, else crc16). */
export function groupDescriptorChecksum(sb: Superblock, group: number, raw: Uint8Array): number {
  const size = sb.descSize;
  if (hasMetadataCsum(sb)) {
    let crc = crc32cU32(sb.checksumSeed, group);
    crc = crc32cRaw(crc, raw.subarray(0, CHECKSUM_AT));
    crc = crc32cRaw(crc, new Uint8Array(2));
    crc = crc32cRaw(crc, raw.subarray(CHECKSUM_AT + 2, size));
    return crc & 0xffff;
  }
  let crc = crc16(0xffff, sb.uuid);
  crc = crc16(crc, new Uint8Array([group & 0xff, (group >>> 8) & 0xff, (group >>> 16) & 0xff, (group >>> 24) & 0xff]));
  crc = crc16(crc, raw.subarray(0, CHECKSUM_AT));
  if (size > CHECKSUM_AT + 2) crc = crc16(crc, raw.subarray(CHECKSUM_AT + 2, size));
  return crc;
}

/** Writes the fields of `gd` into `gd.raw` (with its checksum) and returns it. */
export function encodeGroupDescriptor(sb: Superblock, group: number, gd: GroupDescriptor): Uint8Array {
  const raw = gd.raw;
  const wide = (sb.incompat & INCOMPAT.bit64) !== 0 && sb.descSize >= 64;
  setU32(raw, 0x0, low32(gd.blockBitmap));
  setU32(raw, 0x4, low32(gd.inodeBitmap));
  setU32(raw, 0x8, low32(gd.inodeTable));
  setU16(raw, 0xc, gd.freeBlocks & 0xffff);
  setU16(raw, 0xe, gd.freeInodes & 0xffff);
  setU16(raw, 0x10, gd.usedDirs & 0xffff);
  if (hasGroupChecksums(sb)) {
    setU16(raw, 0x12, gd.flags);
    setU16(raw, 0x1c, gd.itableUnused & 0xffff);
  }
  if (hasMetadataCsum(sb)) {
    setU16(raw, 0x18, gd.blockBitmapCsum & 0xffff);
    setU16(raw, 0x1a, gd.inodeBitmapCsum & 0xffff);
  }
  if (wide) {
    setU32(raw, 0x20, high32(gd.blockBitmap));
    setU32(raw, 0x24, high32(gd.inodeBitmap));
    setU32(raw, 0x28, high32(gd.inodeTable));
    setU16(raw, 0x2c, Math.floor(gd.freeBlocks / 0x10000));
    setU16(raw, 0x2e, Math.floor(gd.freeInodes / 0x10000));
    setU16(raw, 0x30, Math.floor(gd.usedDirs / 0x10000));
    if (hasGroupChecksums(sb)) setU16(raw, 0x32, Math.floor(gd.itableUnused / 0x10000));
    if (hasMetadataCsum(sb)) {
      setU16(raw, 0x38, Math.floor(gd.blockBitmapCsum / 0x10000));
      setU16(raw, 0x3a, Math.floor(gd.inodeBitmapCsum / 0x10000));
    }
  }
  if (hasGroupChecksums(sb)) setU16(raw, CHECKSUM_AT, groupDescriptorChecksum(sb, group, raw));
  return raw;
}

/** The checksum of a block bitmap (crc32c over clusters-per-group bits), or of an inode bitmap (inodes-per-group bits). */
export function bitmapChecksum(sb: Superblock, bitmap: Uint8Array, bits: number): number {
  return crc32cRaw(sb.checksumSeed, bitmap.subarray(0, Math.ceil(bits / 8)));
}

/** True when the descriptor stores 32-bit bitmap checksums (64-byte descriptors). */
export function wideBitmapChecksums(sb: Superblock): boolean {
  return (sb.incompat & INCOMPAT.bit64) !== 0 && sb.descSize >= 64;
}
