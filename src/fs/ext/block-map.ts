/**
 * Where a file's blocks are: its extent tree or its classic direct/indirect block map, decoded
 * to runs of blocks, with every pointer range-checked and every tree node visited at most once.
 */
import { join64, u16, u32 } from '../bytes.ts';
import { crc32cRaw } from '../crc.ts';
import { FsCorruptionError } from '../errors.ts';
import { EXTENT_MAGIC, INODE_FLAG, MAX_EXTENT_BLOCKS } from './constants.ts';
import type { Inode } from './inode.ts';
import { inodeSeed } from './inode.ts';
import { hasMetadataCsum } from './superblock.ts';
import type { ExtVolume } from './volume.ts';

/** File blocks `[logical, logical + count)` live at `[physical, physical + count)`; `zero` runs read as zeros (unwritten extents). */
export interface MappedRun {
  logical: number;
  physical: number;
  count: number;
  zero: boolean;
}

/** A file's data runs (sorted by logical block) and the blocks of its map itself (extent or indirect blocks). */
export interface BlockMap {
  runs: MappedRun[];
  mapBlocks: number[];
}

/** Deepest extent tree ext4 builds (5) plus slack for hand-made images is refused beyond this. */
const MAX_EXTENT_DEPTH = 5;

/** Decodes the block map of `inode`. Files whose data lives in the inode (inline data) have none. */
export function readBlockMap(volume: ExtVolume, inode: Inode): BlockMap {
  const map: BlockMap = { runs: [], mapBlocks: [] };
  if (inode.flags & INODE_FLAG.inlineData) return map;
  const fileBlocks = Math.ceil(inode.size / volume.blockSize);
  if (inode.flags & INODE_FLAG.extents) {
    walkExtentNode(volume, inode, inode.block, -1, map, new Set<number>());
  } else {
    readIndirect(volume, inode, fileBlocks, map);
  }
  return map;
}

function walkExtentNode(volume: ExtVolume, inode: Inode, node: Uint8Array, parentDepth: number, map: BlockMap, seen: Set<number>): void {
  const where = `inode ${inode.number} extent tree`;
  if (u16(node, 0) !== EXTENT_MAGIC) throw new FsCorruptionError(`${where}: bad extent header magic`);
  const entries = u16(node, 2);
  const max = u16(node, 4);
  const depth = u16(node, 6);
  if (entries > max || 12 + max * 12 > node.length) throw new FsCorruptionError(`${where}: ${entries} entries, room for ${max}`);
  if (depth > MAX_EXTENT_DEPTH || (parentDepth >= 0 && depth !== parentDepth - 1)) throw new FsCorruptionError(`${where}: depth ${depth} under depth ${parentDepth}`);
  for (let i = 0; i < entries; i++) {
    const at = 12 + i * 12;
    const logical = u32(node, at);
    if (depth === 0) {
      let length = u16(node, at + 4);
      const zero = length > MAX_EXTENT_BLOCKS;
      if (zero) length -= MAX_EXTENT_BLOCKS;
      const physical = join64(u16(node, at + 6), u32(node, at + 8), 'extent start');
      if (length === 0) continue;
      volume.checkRange(physical, length, where);
      const last = map.runs[map.runs.length - 1];
      if (last && logical < last.logical + last.count) throw new FsCorruptionError(`${where}: extents overlap or are out of order at block ${logical}`);
      map.runs.push({ logical, physical, count: length, zero });
    } else {
      const child = join64(u16(node, at + 8), u32(node, at + 4), 'extent index');
      volume.checkRange(child, 1, where);
      if (seen.has(child)) throw new FsCorruptionError(`${where}: node block ${child} is referenced twice`);
      seen.add(child);
      map.mapBlocks.push(child);
      volume.verifyOnce(child, (bytes) => verifyExtentBlock(volume, inode, bytes, child));
      const block = volume.readBlock(child);
      walkExtentNode(volume, inode, block, depth, map, seen);
    }
  }
}

function verifyExtentBlock(volume: ExtVolume, inode: Inode, block: Uint8Array, number: number): void {
  if (!hasMetadataCsum(volume.sb)) return;
  const max = u16(block, 4);
  const tail = 12 + 12 * max;
  if (tail + 4 > block.length) throw new FsCorruptionError(`inode ${inode.number}: extent block ${number} has no room for its checksum`);
  const computed = crc32cRaw(inodeSeed(volume.sb, inode.number, inode.generation), block.subarray(0, tail));
  if (computed !== u32(block, tail)) throw new FsCorruptionError(`inode ${inode.number}: extent block ${number} checksum mismatch`);
}

/** Decodes direct, single, double and triple indirect pointers for the first `fileBlocks` blocks. */
function readIndirect(volume: ExtVolume, inode: Inode, fileBlocks: number, map: BlockMap): void {
  const perBlock = volume.blockSize / 4;
  const seen = new Set<number>();
  const add = (logical: number, physical: number): void => {
    if (physical === 0) return;
    volume.checkRange(physical, 1, `inode ${inode.number} block map`);
    const last = map.runs[map.runs.length - 1];
    if (last && last.logical + last.count === logical && last.physical + last.count === physical) last.count++;
    else map.runs.push({ logical, physical, count: 1, zero: false });
  };
  for (let i = 0; i < 12 && i < fileBlocks; i++) add(i, u32(inode.block, i * 4));
  let base = 12;
  let span = perBlock;
  for (let level = 1; level <= 3 && base < fileBlocks; level++) {
    const pointer = u32(inode.block, (11 + level) * 4);
    if (pointer !== 0) walkIndirect(volume, inode, pointer, level, base, fileBlocks, seen, map, add);
    base += span;
    span *= perBlock;
  }
}

function walkIndirect(
  volume: ExtVolume,
  inode: Inode,
  pointer: number,
  level: number,
  base: number,
  fileBlocks: number,
  seen: Set<number>,
  map: BlockMap,
  add: (logical: number, physical: number) => void,
): void {
  volume.checkRange(pointer, 1, `inode ${inode.number} indirect block`);
  if (seen.has(pointer)) throw new FsCorruptionError(`inode ${inode.number}: indirect block ${pointer} is referenced twice`);
  seen.add(pointer);
  map.mapBlocks.push(pointer);
  const block = volume.readBlock(pointer);
  const perBlock = volume.blockSize / 4;
  const childSpan = perBlock ** (level - 1);
  for (let i = 0; i < perBlock; i++) {
    const logical = base + i * childSpan;
    if (logical >= fileBlocks) break;
    const child = u32(block, i * 4);
    if (child === 0) continue;
    if (level === 1) add(logical, child);
    else walkIndirect(volume, inode, child, level - 1, logical, fileBlocks, seen, map, add);
  }
}
