/** ext inodes: the fields qedisk uses, their checksum, and encoding back into the raw bytes. */
import { join64, low32, high32, setU16, setU32, u16, u32 } from '../bytes.ts';
import { crc32cRaw, crc32cU32 } from '../crc.ts';
import { FsCorruptionError } from '../errors.ts';
import { GOOD_OLD_INODE_BYTES, I_BLOCK_BYTES, RO_COMPAT, S_IFMT } from './constants.ts';
import type { Superblock } from './superblock.ts';
import { hasMetadataCsum } from './superblock.ts';
import { isAllZero } from '../../engine/zero-runs.ts';

/** A decoded inode; `raw` (inode-size bytes, owned by the inode) keeps every other field. */
export interface Inode {
  number: number;
  raw: Uint8Array;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  atime: number;
  ctime: number;
  mtime: number;
  dtime: number;
  links: number;
  /** `i_blocks` in 512-byte units (already scaled when the inode uses `huge_file` block units). */
  sectors: number;
  flags: number;
  /** The 60 bytes of `i_block`, a view into `raw`. */
  block: Uint8Array;
  generation: number;
  fileAcl: number;
  extraIsize: number;
}

const CSUM_LO_AT = 0x7c;
const CSUM_HI_AT = 0x82;

/** Decodes inode `number` from `raw` (copied); verifies its checksum under metadata_csum unless it is all zeros. */
export function decodeInode(sb: Superblock, number: number, raw: Uint8Array): Inode {
  const bytes = raw.slice(0, sb.inodeSize);
  const extraIsize = sb.inodeSize > GOOD_OLD_INODE_BYTES ? u16(bytes, 0x80) : 0;
  if (sb.inodeSize > GOOD_OLD_INODE_BYTES && GOOD_OLD_INODE_BYTES + extraIsize > sb.inodeSize) {
    throw new FsCorruptionError(`inode ${number}: extra size ${extraIsize} exceeds the inode`);
  }
  const flags = u32(bytes, 0x20);
  const hugeUnits = (sb.roCompat & RO_COMPAT.hugeFile) !== 0 && (flags & 0x40000) !== 0;
  const blocksRaw = join64((sb.roCompat & RO_COMPAT.hugeFile) !== 0 ? u16(bytes, 0x74) : 0, u32(bytes, 0x1c), 'i_blocks');
  const inode: Inode = {
    number,
    raw: bytes,
    mode: u16(bytes, 0x0),
    uid: u16(bytes, 0x2) | (u16(bytes, 0x78) << 16),
    gid: u16(bytes, 0x18) | (u16(bytes, 0x7a) << 16),
    size: join64(u32(bytes, 0x6c), u32(bytes, 0x4), 'file size'),
    atime: u32(bytes, 0x8),
    ctime: u32(bytes, 0xc),
    mtime: u32(bytes, 0x10),
    dtime: u32(bytes, 0x14),
    links: u16(bytes, 0x1a),
    sectors: hugeUnits ? (blocksRaw * sb.blockSize) / 512 : blocksRaw,
    flags,
    block: bytes.subarray(0x28, 0x28 + I_BLOCK_BYTES),
    generation: u32(bytes, 0x64),
    fileAcl: join64(u16(bytes, 0x76), u32(bytes, 0x68), 'xattr block'),
    extraIsize,
  };
  if (hasMetadataCsum(sb) && !isAllZero(bytes)) {
    const stored = storedChecksum(sb, bytes, extraIsize);
    const computed = inodeChecksum(sb, number, bytes, extraIsize);
    if (stored !== computed) throw new FsCorruptionError(`inode ${number} checksum mismatch (stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)})`);
  }
  return inode;
}

/** Writes the fields of `inode` into `inode.raw` (with the checksum under metadata_csum) and returns it. */
export function encodeInode(sb: Superblock, inode: Inode): Uint8Array {
  const bytes = inode.raw;
  setU16(bytes, 0x0, inode.mode);
  setU16(bytes, 0x2, inode.uid & 0xffff);
  setU16(bytes, 0x78, (inode.uid >>> 16) & 0xffff);
  setU16(bytes, 0x18, inode.gid & 0xffff);
  setU16(bytes, 0x7a, (inode.gid >>> 16) & 0xffff);
  setU32(bytes, 0x4, low32(inode.size));
  setU32(bytes, 0x6c, high32(inode.size));
  setU32(bytes, 0x8, inode.atime);
  setU32(bytes, 0xc, inode.ctime);
  setU32(bytes, 0x10, inode.mtime);
  setU32(bytes, 0x14, inode.dtime);
  setU16(bytes, 0x1a, inode.links);
  // qedisk always stores i_blocks in 512-byte units, so the huge_file per-inode flag is cleared.
  inode.flags &= ~0x40000;
  setU32(bytes, 0x20, inode.flags);
  setU32(bytes, 0x1c, low32(inode.sectors));
  if (sb.roCompat & RO_COMPAT.hugeFile) setU16(bytes, 0x74, high32(inode.sectors));
  else if (inode.sectors > 0xffffffff) throw new FsCorruptionError(`inode ${inode.number}: block count does not fit without huge_file`);
  setU32(bytes, 0x64, inode.generation);
  setU32(bytes, 0x68, low32(inode.fileAcl));
  setU16(bytes, 0x76, high32(inode.fileAcl));
  if (sb.inodeSize > GOOD_OLD_INODE_BYTES) setU16(bytes, 0x80, inode.extraIsize);
  if (hasMetadataCsum(sb)) {
    const crc = inodeChecksum(sb, inode.number, bytes, inode.extraIsize);
    setU16(bytes, CSUM_LO_AT, crc & 0xffff);
    if (hasHighChecksum(sb, inode.extraIsize)) setU16(bytes, CSUM_HI_AT, crc >>> 16);
  }
  return bytes;
}

/** A zeroed inode `number` with the given mode and times; extra fields sized as the file system wants. */
export function newInode(sb: Superblock, number: number, mode: number, time: number): Inode {
  const raw = new Uint8Array(sb.inodeSize);
  const extraIsize = sb.inodeSize > GOOD_OLD_INODE_BYTES ? Math.min(Math.max(sb.wantExtraIsize, 32), sb.inodeSize - GOOD_OLD_INODE_BYTES) : 0;
  return {
    number,
    raw,
    mode,
    uid: 0,
    gid: 0,
    size: 0,
    atime: time,
    ctime: time,
    mtime: time,
    dtime: 0,
    links: 0,
    sectors: 0,
    flags: 0,
    block: raw.subarray(0x28, 0x28 + I_BLOCK_BYTES),
    generation: 0,
    fileAcl: 0,
    extraIsize,
  };
}

/** The seed for checksums of blocks that belong to inode `number` (extent blocks, directory blocks). */
export function inodeSeed(sb: Superblock, number: number, generation: number): number {
  return crc32cU32(crc32cU32(sb.checksumSeed, number), generation);
}

/** The file-type bits of `mode`. */
export function fileFormat(mode: number): number {
  return mode & S_IFMT;
}

function hasHighChecksum(sb: Superblock, extraIsize: number): boolean {
  return sb.inodeSize > GOOD_OLD_INODE_BYTES && extraIsize >= 4;
}

function storedChecksum(sb: Superblock, bytes: Uint8Array, extraIsize: number): number {
  const lo = u16(bytes, CSUM_LO_AT);
  return hasHighChecksum(sb, extraIsize) ? (u16(bytes, CSUM_HI_AT) * 0x10000 + lo) >>> 0 : lo;
}

function inodeChecksum(sb: Superblock, number: number, bytes: Uint8Array, extraIsize: number): number {
  const copy = bytes.slice();
  setU16(copy, CSUM_LO_AT, 0);
  const high = hasHighChecksum(sb, extraIsize);
  if (high) setU16(copy, CSUM_HI_AT, 0);
  const seed = crc32cU32(crc32cU32(sb.checksumSeed, number), u32(bytes, 0x64));
  const crc = crc32cRaw(seed, copy);
  return high ? crc : crc & 0xffff;
}

