/**
 * `formatExt`: a deterministic mkfs for ext2 and (journal-less) ext4. The same device size and
 * options give the same bytes: the UUID, hash seed and every timestamp come from the options.
 * The layout is mke2fs-like: per group a superblock backup and descriptor copy (sparse_super),
 * block bitmap, inode bitmap and inode table, then data; `/` and `/lost+found` in group 0.
 */
import type { BlockDevice } from '../block-device.ts';
import { setU16, setU32, setU8 } from '../bytes.ts';
import { FsInvalidPathError, FsNoSpaceError, FsReadOnlyError } from '../errors.ts';
import { setPadding } from './allocator.ts';
import { BG, COMPAT, EXT_MAGIC, INCOMPAT, RO_COMPAT, SUPERBLOCK_BYTES, SUPERBLOCK_OFFSET } from './constants.ts';
import { ExtFileSystem } from './ext-file-system.ts';
import type { GroupDescriptor } from './group-descriptors.ts';
import { bitmapChecksum, encodeGroupDescriptor } from './group-descriptors.ts';
import type { Superblock } from './superblock.ts';
import { decodeSuperblock, encodeSuperblock, groupHasSuper, superblockChecksum } from './superblock.ts';
import { layoutGroups, writeRootDirectories } from './format-layout.ts';

/** Options of `formatExt`. Everything that would be random in mke2fs is an option here. */
export interface FormatExtOptions {
  /** `ext2` (no extents, no checksums) or `ext4` (extents, 64bit, flex_bg, metadata_csum, huge_file, dir_nlink, extra_isize; no journal). */
  kind: 'ext2' | 'ext4';
  /** 1024, 2048 or 4096; default 4096. */
  blockSize?: number;
  /** Volume label, at most 16 bytes. */
  label?: string;
  /** File system UUID: 16 bytes or the usual text form; default all zeros. */
  uuid?: Uint8Array | string;
  /** htree hash seed: 16 bytes or UUID text; default all zeros. */
  hashSeed?: Uint8Array | string;
  /** Creation time and the time of every object made here, seconds since the epoch; default 0. */
  timestamp?: number;
  /** Inodes wanted (rounded up to fill inode-table blocks in every group); default one per 8 KiB. */
  inodeCount?: number;
  /** Skip writing zeros to inode tables and bitmaps' unused parts because the device already reads as zeros (a new QED image). */
  assumeZeroed?: boolean;
}

/** The decided geometry, shared with the layout writer. */
export interface ExtLayout {
  blockSize: number;
  blocksCount: number;
  firstDataBlock: number;
  blocksPerGroup: number;
  groupCount: number;
  inodesPerGroup: number;
  inodeSize: number;
  descSize: number;
  gdtBlocks: number;
  tableBlocks: number;
  ext4: boolean;
}

const INODE_SIZE = 256;
const DEFAULT_BYTES_PER_INODE = 8192;
const FIRST_INODE = 11;
const LOST_FOUND_BYTES = 16384;

/**
 * Writes a new, empty ext file system over the whole of `device` and opens it with a clock fixed
 * at `timestamp` (so files added next are reproducible too). Throws `FsNoSpaceError` for a
 * device too small, `FsInvalidPathError` for a bad label, UUID or block size.
 */
export function formatExt(device: BlockDevice, options: FormatExtOptions): ExtFileSystem {
  const write = device.write;
  if (!write) throw new FsReadOnlyError('the device is read-only');
  const layout = decideLayout(device.size, options);
  const time = options.timestamp ?? 0;
  const sb = buildSuperblock(layout, options, time);
  const groups = layoutGroups(layout, sb);
  const dataStart = groups[0]!.inodeTable + layout.tableBlocks;
  const lostFoundBlocks = Math.min(12, Math.max(1, LOST_FOUND_BYTES / layout.blockSize));
  const used0 = dataStart - layout.firstDataBlock + 1 + lostFoundBlocks;
  // Group 0 also holds `/` (one block) and `/lost+found`.
  const rootBlock = dataStart;
  const lostFoundStart = dataStart + 1;
  const bs = layout.blockSize;
  const zero = new Uint8Array(bs);
  let freeBlocks = 0;
  for (let group = 0; group < layout.groupCount; group++) {
    const gd = groups[group]!;
    const start = layout.firstDataBlock + group * layout.blocksPerGroup;
    const blocks = Math.min(layout.blocksPerGroup, layout.blocksCount - start);
    const metadataEnd = gd.inodeTable + layout.tableBlocks - start;
    const usedInGroup = group === 0 ? used0 : metadataEnd;
    if (usedInGroup > blocks) throw new FsNoSpaceError(`the device is too small for an ext file system (group ${group} has ${blocks} blocks)`);
    const blockBitmap = new Uint8Array(bs);
    for (let bit = 0; bit < usedInGroup; bit++) blockBitmap[bit >> 3]! |= 1 << (bit & 7);
    setPadding(blockBitmap, blocks);
    const inodeBitmap = new Uint8Array(bs);
    if (group === 0) for (let bit = 0; bit < FIRST_INODE; bit++) inodeBitmap[bit >> 3]! |= 1 << (bit & 7);
    setPadding(inodeBitmap, layout.inodesPerGroup);
    gd.freeBlocks = blocks - usedInGroup;
    gd.freeInodes = layout.inodesPerGroup - (group === 0 ? FIRST_INODE : 0);
    gd.usedDirs = group === 0 ? 2 : 0;
    if (layout.ext4) {
      gd.flags = BG.itableZeroed | (group === 0 ? 0 : BG.inodeUninit);
      gd.itableUnused = layout.inodesPerGroup - (group === 0 ? FIRST_INODE : 0);
      gd.blockBitmapCsum = bitmapChecksum(sb, blockBitmap, layout.blocksPerGroup);
      gd.inodeBitmapCsum = bitmapChecksum(sb, inodeBitmap, layout.inodesPerGroup);
    }
    freeBlocks += gd.freeBlocks;
    write.call(device, gd.blockBitmap * bs, blockBitmap);
    write.call(device, gd.inodeBitmap * bs, inodeBitmap);
    if (!options.assumeZeroed) for (let b = 0; b < layout.tableBlocks; b++) write.call(device, (gd.inodeTable + b) * bs, zero);
  }
  sb.freeBlocks = freeBlocks;
  sb.freeInodes = layout.groupCount * layout.inodesPerGroup - FIRST_INODE;
  writeRootDirectories(device, layout, sb, groups, { rootBlock, lostFoundStart, lostFoundBlocks, time });
  writeSuperblocksAndDescriptors(device, layout, sb, groups, time);
  device.flush?.();
  return new ExtFileSystem(device, { now: () => time });
}

function decideLayout(deviceBytes: number, options: FormatExtOptions): ExtLayout {
  const blockSize = options.blockSize ?? 4096;
  if (![1024, 2048, 4096].includes(blockSize)) throw new FsInvalidPathError(`block size ${blockSize} must be 1024, 2048 or 4096`);
  const ext4 = options.kind === 'ext4';
  const firstDataBlock = blockSize === 1024 ? 1 : 0;
  const blocksPerGroup = 8 * blockSize;
  let blocksCount = Math.floor(deviceBytes / blockSize);
  if (blocksCount > 0xffffffff) throw new FsNoSpaceError('devices over 16 TiB (at 4 KiB blocks) are not formatted by qedisk');
  const descSize = ext4 ? 64 : 32;
  const perTableBlock = blockSize / INODE_SIZE;
  let groupCount = Math.ceil((blocksCount - firstDataBlock) / blocksPerGroup);
  const wanted = options.inodeCount ?? Math.ceil(deviceBytes / DEFAULT_BYTES_PER_INODE);
  const inodesPerGroupFor = (groups: number): number => {
    const raw = Math.max(FIRST_INODE + 5, Math.ceil(wanted / groups));
    const rounded = Math.ceil(raw / Math.max(8, perTableBlock)) * Math.max(8, perTableBlock);
    return Math.min(rounded, 8 * blockSize);
  };
  let inodesPerGroup = inodesPerGroupFor(groupCount);
  const overhead = (groups: number, ipg: number): number => 1 + Math.ceil((groups * descSize) / blockSize) + 2 + Math.ceil((ipg * INODE_SIZE) / blockSize);
  const lastBlocks = blocksCount - firstDataBlock - (groupCount - 1) * blocksPerGroup;
  if (groupCount > 1 && lastBlocks < overhead(groupCount, inodesPerGroup) + 50) {
    groupCount--;
    blocksCount = firstDataBlock + groupCount * blocksPerGroup;
    inodesPerGroup = inodesPerGroupFor(groupCount);
  }
  if (groupCount < 1 || blocksCount < 64) throw new FsNoSpaceError(`a ${deviceBytes}-byte device is too small for an ext file system`);
  return {
    blockSize,
    blocksCount,
    firstDataBlock,
    blocksPerGroup,
    groupCount,
    inodesPerGroup,
    inodeSize: INODE_SIZE,
    descSize,
    gdtBlocks: Math.ceil((groupCount * descSize) / blockSize),
    tableBlocks: (inodesPerGroup * INODE_SIZE) / blockSize,
    ext4,
  };
}

/** Bytes of a UUID-like option (16 bytes, or hex text with or without dashes). */
export function uuidBytes(value: Uint8Array | string | undefined, what: string): Uint8Array {
  if (value === undefined) return new Uint8Array(16);
  if (value instanceof Uint8Array) {
    if (value.length !== 16) throw new FsInvalidPathError(`${what} must have 16 bytes`);
    return value.slice();
  }
  const hex = value.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new FsInvalidPathError(`${what} '${value}' is not a UUID`);
  return Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16));
}

function buildSuperblock(layout: ExtLayout, options: FormatExtOptions, time: number): Superblock {
  const raw = new Uint8Array(SUPERBLOCK_BYTES);
  const inodesCount = layout.groupCount * layout.inodesPerGroup;
  setU32(raw, 0x0, inodesCount);
  setU32(raw, 0x4, layout.blocksCount % 0x1_0000_0000);
  setU32(raw, 0x14, layout.firstDataBlock);
  setU32(raw, 0x18, Math.log2(layout.blockSize) - 10);
  setU32(raw, 0x1c, Math.log2(layout.blockSize) - 10);
  setU32(raw, 0x20, layout.blocksPerGroup);
  setU32(raw, 0x24, layout.blocksPerGroup);
  setU32(raw, 0x28, layout.inodesPerGroup);
  setU32(raw, 0x30, time);
  setU16(raw, 0x36, 0xffff);
  setU16(raw, 0x38, EXT_MAGIC);
  setU16(raw, 0x3a, 1);
  setU16(raw, 0x3c, 1);
  setU32(raw, 0x40, time);
  setU32(raw, 0x4c, 1);
  setU32(raw, 0x54, FIRST_INODE);
  setU16(raw, 0x58, INODE_SIZE);
  setU32(raw, 0x5c, COMPAT.dirIndex);
  setU32(raw, 0x60, INCOMPAT.filetype | (layout.ext4 ? INCOMPAT.extents | INCOMPAT.bit64 | INCOMPAT.flexBg : 0));
  setU32(
    raw,
    0x64,
    RO_COMPAT.sparseSuper | RO_COMPAT.largeFile | (layout.ext4 ? RO_COMPAT.hugeFile | RO_COMPAT.dirNlink | RO_COMPAT.extraIsize | RO_COMPAT.metadataCsum : 0),
  );
  raw.set(uuidBytes(options.uuid, 'uuid'), 0x68);
  const label = new TextEncoder().encode(options.label ?? '');
  if (label.length > 16) throw new FsInvalidPathError(`label '${options.label}' is longer than 16 bytes`);
  raw.set(label, 0x78);
  raw.set(uuidBytes(options.hashSeed, 'hash seed'), 0xec);
  setU8(raw, 0xfc, 1);
  if (layout.ext4) setU16(raw, 0xfe, layout.descSize);
  setU32(raw, 0x108, time);
  setU16(raw, 0x15c, 32);
  setU16(raw, 0x15e, 32);
  setU32(raw, 0x160, 1);
  if (layout.ext4) {
    setU8(raw, 0x174, 4);
    setU8(raw, 0x175, 1);
  }
  return decodeSuperblockUnchecked(raw);
}

/** Decodes a superblock just built: its checksum is computed first so the decoder's check passes. */
function decodeSuperblockUnchecked(raw: Uint8Array): Superblock {
  const roCompat = raw[0x64]! | (raw[0x65]! << 8);
  if (roCompat & RO_COMPAT.metadataCsum) setU32(raw, 0x3fc, superblockChecksum(raw));
  return decodeSuperblock(raw);
}

/** Writes the primary superblock and descriptor table and their backups (`s_block_group_nr` set per copy). */
function writeSuperblocksAndDescriptors(device: BlockDevice, layout: ExtLayout, sb: Superblock, groups: GroupDescriptor[], time: number): void {
  const bs = layout.blockSize;
  const table = new Uint8Array(layout.gdtBlocks * bs);
  groups.forEach((gd, group) => table.set(encodeGroupDescriptor(sb, group, gd).subarray(0, layout.descSize), group * layout.descSize));
  for (let group = 0; group < layout.groupCount; group++) {
    if (!groupHasSuper(sb, group)) continue;
    const start = layout.firstDataBlock + group * layout.blocksPerGroup;
    const copy = { ...sb, raw: sb.raw.slice() };
    setU16(copy.raw, 0x5a, group);
    const raw = encodeSuperblock(copy, time);
    const superOffset = group === 0 ? SUPERBLOCK_OFFSET : start * bs;
    device.write!(superOffset, raw);
    device.write!((start + 1) * bs, table);
  }
}
