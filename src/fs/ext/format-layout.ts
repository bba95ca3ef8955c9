/** Placement of each group's metadata, and the root and lost+found directories, for `formatExt`. */
import type { BlockDevice } from '../block-device.ts';
import { S_IFDIR } from './constants.ts';
import { emptyDirBlock, entryBytes, writeEntry, writeTail, DIR_TAIL_BYTES } from './directory-block.ts';
import type { ExtLayout } from './format.ts';
import type { GroupDescriptor } from './group-descriptors.ts';
import type { Inode } from './inode.ts';
import { encodeInode, inodeSeed, newInode } from './inode.ts';
import { setU16, setU32 } from '../bytes.ts';
import type { Superblock } from './superblock.ts';
import { groupHasSuper, hasMetadataCsum } from './superblock.ts';

/** Descriptors for every group: bitmaps and inode table right after the group's super/GDT copy. */
export function layoutGroups(layout: ExtLayout, sb: Superblock): GroupDescriptor[] {
  const groups: GroupDescriptor[] = [];
  for (let group = 0; group < layout.groupCount; group++) {
    const start = layout.firstDataBlock + group * layout.blocksPerGroup;
    const first = start + (groupHasSuper(sb, group) ? 1 + layout.gdtBlocks : 0);
    groups.push({
      raw: new Uint8Array(layout.descSize),
      blockBitmap: first,
      inodeBitmap: first + 1,
      inodeTable: first + 2,
      freeBlocks: 0,
      freeInodes: 0,
      usedDirs: 0,
      flags: 0,
      itableUnused: 0,
      blockBitmapCsum: 0,
      inodeBitmapCsum: 0,
    });
  }
  return groups;
}

/** Where `formatExt` puts the two directories it creates. */
export interface RootPlacement {
  rootBlock: number;
  lostFoundStart: number;
  lostFoundBlocks: number;
  time: number;
}

const LOST_FOUND_INODE = 11;
const ROOT = 2;

/** Writes `/` (inode 2) and `/lost+found` (inode 11): their directory blocks and inodes. */
export function writeRootDirectories(device: BlockDevice, layout: ExtLayout, sb: Superblock, groups: GroupDescriptor[], place: RootPlacement): void {
  const bs = layout.blockSize;
  const csum = hasMetadataCsum(sb);
  const root = directoryInode(sb, layout, ROOT, 0o755, 3, place.time);
  const lostFound = directoryInode(sb, layout, LOST_FOUND_INODE, 0o700, 2, place.time);
  const limit = bs - (csum ? DIR_TAIL_BYTES : 0);
  const name = (text: string): Uint8Array => new TextEncoder().encode(text);
  const rootBlock = new Uint8Array(bs);
  writeEntry(rootBlock, 0, ROOT, entryBytes(1), name('.'), 2, true);
  writeEntry(rootBlock, 12, ROOT, entryBytes(2), name('..'), 2, true);
  writeEntry(rootBlock, 24, LOST_FOUND_INODE, limit - 24, name('lost+found'), 2, true);
  if (csum) writeTail(rootBlock, inodeSeed(sb, ROOT, 0));
  device.write!(place.rootBlock * bs, rootBlock);
  const lfSeed = csum ? inodeSeed(sb, LOST_FOUND_INODE, 0) : null;
  for (let i = 0; i < place.lostFoundBlocks; i++) {
    const block = emptyDirBlock(bs, lfSeed);
    if (i === 0) {
      writeEntry(block, 0, LOST_FOUND_INODE, entryBytes(1), name('.'), 2, true);
      writeEntry(block, 12, ROOT, limit - 12, name('..'), 2, true);
      if (lfSeed !== null) writeTail(block, lfSeed);
    }
    device.write!((place.lostFoundStart + i) * bs, block);
  }
  mapContiguous(root, place.rootBlock, 1, layout);
  mapContiguous(lostFound, place.lostFoundStart, place.lostFoundBlocks, layout);
  for (const inode of [root, lostFound]) {
    const index = inode.number - 1;
    device.write!(groups[0]!.inodeTable * bs + index * layout.inodeSize, encodeInode(sb, inode));
  }
}

function directoryInode(sb: Superblock, layout: ExtLayout, number: number, perm: number, links: number, time: number): Inode {
  const inode = newInode(sb, number, S_IFDIR | perm, time);
  inode.links = links;
  void layout;
  return inode;
}

/** Maps `count` blocks from `start` into `inode` (one extent, or direct pointers) and sets size and block count. */
function mapContiguous(inode: Inode, start: number, count: number, layout: ExtLayout): void {
  if (layout.ext4) {
    inode.flags |= 0x80000;
    setU16(inode.block, 0, 0xf30a);
    setU16(inode.block, 2, 1);
    setU16(inode.block, 4, 4);
    setU16(inode.block, 6, 0);
    setU32(inode.block, 12, 0);
    setU16(inode.block, 16, count);
    setU16(inode.block, 18, 0);
    setU32(inode.block, 20, start);
  } else {
    for (let i = 0; i < count; i++) setU32(inode.block, i * 4, start + i);
  }
  inode.size = count * layout.blockSize;
  inode.sectors = (count * layout.blockSize) / 512;
}
