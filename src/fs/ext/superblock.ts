/**
 * The ext superblock: the fields qedisk uses, decoded once, and the few it changes (free counts,
 * write time) written back into the raw 1024 bytes together with the checksum.
 */
import { join64, latin1, low32, high32, setU16, setU32, u16, u32, u8 } from '../bytes.ts';
import { crc32cRaw } from '../crc.ts';
import { FsCorruptionError, FsNotAFileSystemError } from '../errors.ts';
import { EXT_MAGIC, GOOD_OLD_INODE_BYTES, INCOMPAT, RO_COMPAT, SUPERBLOCK_BYTES } from './constants.ts';

/** Decoded superblock. `raw` is kept so unknown fields survive a rewrite. */
export interface Superblock {
  raw: Uint8Array;
  inodesCount: number;
  blocksCount: number;
  reservedBlocks: number;
  freeBlocks: number;
  freeInodes: number;
  firstDataBlock: number;
  blockSize: number;
  blocksPerGroup: number;
  inodesPerGroup: number;
  revLevel: number;
  firstInode: number;
  inodeSize: number;
  compat: number;
  incompat: number;
  roCompat: number;
  uuid: Uint8Array;
  label: string;
  reservedGdtBlocks: number;
  journalInode: number;
  hashSeed: Uint8Array;
  defHashVersion: number;
  descSize: number;
  wantExtraIsize: number;
  flags: number;
  checksumSeed: number;
  groupCount: number;
  state: number;
  backupGroups: [number, number];
}

/** Largest block size ext4 defines (64 KiB). */
const MAX_LOG_BLOCK_SIZE = 6;

/** Decodes the 1024-byte superblock `raw` (kept, not copied); throws for a non-ext or impossible one. */
export function decodeSuperblock(raw: Uint8Array): Superblock {
  if (u16(raw, 0x38) !== EXT_MAGIC) throw new FsNotAFileSystemError('no ext2/3/4 superblock (bad magic)');
  const logBlock = u32(raw, 0x18);
  if (logBlock > MAX_LOG_BLOCK_SIZE) throw new FsCorruptionError(`ext superblock: block size 2^(10+${logBlock}) is invalid`);
  const blockSize = 1024 << logBlock;
  const incompat = u32(raw, 0x60);
  const bit64 = (incompat & INCOMPAT.bit64) !== 0;
  const revLevel = u32(raw, 0x4c);
  const sb: Superblock = {
    raw,
    inodesCount: u32(raw, 0x0),
    blocksCount: join64(bit64 ? u32(raw, 0x150) : 0, u32(raw, 0x4), 'blocks count'),
    reservedBlocks: join64(bit64 ? u32(raw, 0x154) : 0, u32(raw, 0x8), 'reserved blocks'),
    freeBlocks: join64(bit64 ? u32(raw, 0x158) : 0, u32(raw, 0xc), 'free blocks'),
    freeInodes: u32(raw, 0x10),
    firstDataBlock: u32(raw, 0x14),
    blockSize,
    blocksPerGroup: u32(raw, 0x20),
    inodesPerGroup: u32(raw, 0x28),
    revLevel,
    firstInode: revLevel === 0 ? 11 : u32(raw, 0x54),
    inodeSize: revLevel === 0 ? GOOD_OLD_INODE_BYTES : u16(raw, 0x58),
    compat: u32(raw, 0x5c),
    incompat,
    roCompat: u32(raw, 0x64),
    uuid: raw.slice(0x68, 0x78),
    label: latin1(raw.subarray(0x78, 0x88)),
    reservedGdtBlocks: u16(raw, 0xce),
    journalInode: u32(raw, 0xe0),
    hashSeed: raw.slice(0xec, 0xfc),
    defHashVersion: u8(raw, 0xfc),
    descSize: bit64 ? u16(raw, 0xfe) : 32,
    wantExtraIsize: u16(raw, 0x15e),
    flags: u32(raw, 0x160),
    checksumSeed: 0,
    groupCount: 0,
    state: u16(raw, 0x3a),
    backupGroups: [u32(raw, 0x24c), u32(raw, 0x250)],
  };
  validate(sb);
  sb.groupCount = Math.ceil((sb.blocksCount - sb.firstDataBlock) / sb.blocksPerGroup);
  sb.checksumSeed = incompat & INCOMPAT.csumSeed ? u32(raw, 0x270) : crc32cRaw(0xffffffff, sb.uuid);
  if (hasMetadataCsum(sb)) {
    const stored = u32(raw, 0x3fc);
    const computed = superblockChecksum(raw);
    if (stored !== computed) throw new FsCorruptionError(`ext superblock checksum mismatch (stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)})`);
  }
  return sb;
}

function validate(sb: Superblock): void {
  const bad = (what: string): never => {
    throw new FsCorruptionError(`ext superblock: ${what}`);
  };
  if (sb.blocksCount === 0) bad('zero blocks');
  if (sb.blocksPerGroup === 0 || sb.blocksPerGroup > 8 * sb.blockSize) bad(`${sb.blocksPerGroup} blocks per group`);
  if (sb.inodesPerGroup === 0 || sb.inodesPerGroup > 8 * sb.blockSize) bad(`${sb.inodesPerGroup} inodes per group`);
  if (sb.inodeSize < GOOD_OLD_INODE_BYTES || sb.inodeSize > sb.blockSize || (sb.inodeSize & (sb.inodeSize - 1)) !== 0) bad(`inode size ${sb.inodeSize}`);
  if (sb.firstDataBlock >= sb.blocksCount || sb.firstDataBlock !== (sb.blockSize === 1024 ? 1 : 0)) bad(`first data block ${sb.firstDataBlock}`);
  const groups = Math.ceil((sb.blocksCount - sb.firstDataBlock) / sb.blocksPerGroup);
  if (sb.inodesCount !== groups * sb.inodesPerGroup) bad(`${sb.inodesCount} inodes for ${groups} groups of ${sb.inodesPerGroup}`);
  if (sb.descSize < 32 || sb.descSize > 1024 || (sb.descSize & (sb.descSize - 1)) !== 0) bad(`descriptor size ${sb.descSize}`);
  if (sb.firstInode < 11 || sb.firstInode >= sb.inodesCount) bad(`first inode ${sb.firstInode}`);
  if (sb.roCompat & RO_COMPAT.metadataCsum && u8(sb.raw, 0x175) !== 1) bad('unknown checksum type');
}

/** True when `metadata_csum` is on. */
export function hasMetadataCsum(sb: Superblock): boolean {
  return (sb.roCompat & RO_COMPAT.metadataCsum) !== 0;
}

/** True when group descriptors carry a checksum (metadata_csum or the older uninit_bg / gdt_csum). */
export function hasGroupChecksums(sb: Superblock): boolean {
  return (sb.roCompat & (RO_COMPAT.metadataCsum | RO_COMPAT.gdtCsum)) !== 0;
}

/** The superblock checksum of `raw`: crc32c of the first 1020 bytes. */
export function superblockChecksum(raw: Uint8Array): number {
  return crc32cRaw(0xffffffff, raw.subarray(0, SUPERBLOCK_BYTES - 4));
}

/** Writes the free counts and `wtime` of `sb` into `sb.raw` and refreshes its checksum. */
export function encodeSuperblock(sb: Superblock, wtime: number): Uint8Array {
  const raw = sb.raw;
  setU32(raw, 0xc, low32(sb.freeBlocks));
  if (sb.incompat & INCOMPAT.bit64) setU32(raw, 0x158, high32(sb.freeBlocks));
  setU32(raw, 0x10, sb.freeInodes);
  setU32(raw, 0x30, wtime);
  setU16(raw, 0x3a, sb.state);
  if (hasMetadataCsum(sb)) setU32(raw, 0x3fc, superblockChecksum(raw));
  return raw;
}

/** True when group `group` holds a superblock backup (and group-descriptor copy). */
export function groupHasSuper(sb: Superblock, group: number): boolean {
  if (group === 0) return true;
  if (sb.compat & 0x200) return group === sb.backupGroups[0] || group === sb.backupGroups[1];
  if (!(sb.roCompat & RO_COMPAT.sparseSuper)) return true;
  if (group === 1) return true;
  for (const base of [3, 5, 7]) {
    let power = base;
    while (power < group) power *= base;
    if (power === group) return true;
  }
  return false;
}
