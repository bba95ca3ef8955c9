/**
 * Building a file's block map anew from its data runs: an extent tree (depth as needed) or the
 * classic direct/indirect map. The map's own blocks are allocated here and staged on the volume.
 */
import { high32, low32, setU16, setU32 } from '../bytes.ts';
import { crc32cRaw } from '../crc.ts';
import { FsTooLargeError } from '../errors.ts';
import { EXTENT_MAGIC, INODE_FLAG, I_BLOCK_BYTES, MAX_EXTENT_BLOCKS } from './constants.ts';
import type { Allocator, BlockRun } from './allocator.ts';
import type { MappedRun } from './block-map.ts';
import type { Inode } from './inode.ts';
import { inodeSeed } from './inode.ts';
import { hasMetadataCsum } from './superblock.ts';
import type { ExtVolume } from './volume.ts';

/** One extent or index entry before encoding. */
interface Entry {
  logical: number;
  physical: number;
  count: number;
}

/**
 * Writes a map for `runs` (sorted, data blocks already allocated) into `inode.block`, allocating
 * and staging map blocks; returns the map blocks used. Sets or clears the extents flag to match
 * `useExtents`.
 */
export function buildBlockMap(volume: ExtVolume, allocator: Allocator, inode: Inode, runs: readonly MappedRun[], useExtents: boolean): number[] {
  inode.block.fill(0);
  if (useExtents) {
    inode.flags |= INODE_FLAG.extents;
    return buildExtentTree(volume, allocator, inode, runs);
  }
  inode.flags &= ~INODE_FLAG.extents;
  return buildIndirect(volume, allocator, inode, runs);
}

function buildExtentTree(volume: ExtVolume, allocator: Allocator, inode: Inode, runs: readonly MappedRun[]): number[] {
  let entries: Entry[] = [];
  for (const run of runs) {
    for (let done = 0; done < run.count; done += MAX_EXTENT_BLOCKS) {
      entries.push({ logical: run.logical + done, physical: run.physical + done, count: Math.min(MAX_EXTENT_BLOCKS, run.count - done) });
    }
  }
  const rootMax = (I_BLOCK_BYTES - 12) / 12;
  const blockMax = Math.floor((volume.blockSize - 12) / 12);
  const used: number[] = [];
  let depth = 0;
  while (entries.length > rootMax) {
    const nodes = Math.ceil(entries.length / blockMax);
    const blocks = flatten(allocator.allocateBlocks(nodes, used[used.length - 1] ?? runs[0]?.physical ?? 0));
    const parents: Entry[] = [];
    for (let n = 0; n < nodes; n++) {
      const slice = entries.slice(n * blockMax, (n + 1) * blockMax);
      const block = new Uint8Array(volume.blockSize);
      writeNode(block, slice, blockMax, depth);
      if (hasMetadataCsum(volume.sb)) {
        const tail = 12 + 12 * blockMax;
        setU32(block, tail, crc32cRaw(inodeSeed(volume.sb, inode.number, inode.generation), block.subarray(0, tail)));
      }
      volume.stageBlock(blocks[n]!, block, 'map');
      used.push(blocks[n]!);
      parents.push({ logical: slice[0]!.logical, physical: blocks[n]!, count: 0 });
    }
    entries = parents;
    depth++;
  }
  writeNode(inode.block, entries, rootMax, depth);
  return used;
}

function writeNode(node: Uint8Array, entries: readonly Entry[], max: number, depth: number): void {
  setU16(node, 0, EXTENT_MAGIC);
  setU16(node, 2, entries.length);
  setU16(node, 4, max);
  setU16(node, 6, depth);
  setU32(node, 8, 0);
  entries.forEach((entry, i) => {
    const at = 12 + i * 12;
    setU32(node, at, entry.logical);
    if (depth === 0) {
      setU16(node, at + 4, entry.count);
      setU16(node, at + 6, high32(entry.physical));
      setU32(node, at + 8, low32(entry.physical));
    } else {
      setU32(node, at + 4, low32(entry.physical));
      setU16(node, at + 8, high32(entry.physical));
      setU16(node, at + 10, 0);
    }
  });
}

/** Number of indirect blocks a file of `fileBlocks` blocks needs (dense). */
export function indirectBlocksFor(fileBlocks: number, perBlock: number): number {
  let total = 0;
  let remaining = Math.max(0, fileBlocks - 12);
  if (remaining === 0) return 0;
  total += 1;
  remaining -= perBlock;
  if (remaining <= 0) return total;
  const doubleLeaves = Math.ceil(Math.min(remaining, perBlock * perBlock) / perBlock);
  total += 1 + doubleLeaves;
  remaining -= perBlock * perBlock;
  if (remaining <= 0) return total;
  const leaves = Math.ceil(remaining / perBlock);
  total += 1 + Math.ceil(leaves / perBlock) + leaves;
  return total;
}

function buildIndirect(volume: ExtVolume, allocator: Allocator, inode: Inode, runs: readonly MappedRun[]): number[] {
  const perBlock = volume.blockSize / 4;
  const limit = 12 + perBlock + perBlock ** 2 + perBlock ** 3;
  const physicalOf = new Map<number, number>();
  for (const run of runs) for (let i = 0; i < run.count; i++) physicalOf.set(run.logical + i, run.physical + i);
  const lastLogical = runs.length === 0 ? -1 : runs[runs.length - 1]!.logical + runs[runs.length - 1]!.count - 1;
  if (lastLogical >= limit) throw new FsTooLargeError(`a file of ${lastLogical + 1} blocks does not fit an indirect block map`);
  for (let i = 0; i < 12; i++) setU32(inode.block, i * 4, physicalOf.get(i) ?? 0);
  const used: number[] = [];
  const goal = runs[runs.length - 1] ? runs[runs.length - 1]!.physical + runs[runs.length - 1]!.count : 0;
  // Builds the subtree for logical blocks [base, base + perBlock^level); returns its block, or 0 when it maps nothing.
  const build = (level: number, base: number): number => {
    const span = perBlock ** (level - 1);
    if (base > lastLogical) return 0;
    const pointers = new Uint8Array(volume.blockSize);
    let mapsSomething = false;
    for (let i = 0; i < perBlock; i++) {
      const childBase = base + i * span;
      if (childBase > lastLogical) break;
      const child = level === 1 ? (physicalOf.get(childBase) ?? 0) : build(level - 1, childBase);
      if (child !== 0) {
        setU32(pointers, i * 4, child);
        mapsSomething = true;
      }
    }
    if (!mapsSomething) return 0;
    const [run] = allocator.allocateBlocks(1, used[used.length - 1] ?? goal) as [BlockRun];
    volume.stageBlock(run.start, pointers, 'map');
    used.push(run.start);
    return run.start;
  };
  let base = 12;
  for (let level = 1; level <= 3; level++) {
    setU32(inode.block, (11 + level) * 4, build(level, base));
    base += perBlock ** level;
  }
  return used;
}

/** The block numbers of `runs`, in order. */
export function flatten(runs: readonly BlockRun[]): number[] {
  const blocks: number[] = [];
  for (const run of runs) for (let i = 0; i < run.count; i++) blocks.push(run.start + i);
  return blocks;
}
