/** File contents: reading byte ranges through a block map, writing new data, freeing a file's blocks. */
import { isZero } from '../bytes.ts';
import { FsNoSpaceError, FsTooLargeError } from '../errors.ts';
import type { Allocator } from './allocator.ts';
import type { BlockMap, MappedRun } from './block-map.ts';
import { INODE_FLAG } from './constants.ts';
import { xattrSectors } from './directory.ts';
import type { Inode } from './inode.ts';
import { buildBlockMap, flatten, indirectBlocksFor } from './map-builder.ts';
import type { ExtVolume } from './volume.ts';
import type { DataSource } from '../file-system.ts';
import { asSource } from '../pending-data.ts';

/** Largest file qedisk writes in one call (the data comes as one buffer). */
export const MAX_WRITE_BYTES = 2 ** 32;

/**
 * Copies file bytes `[offset, offset + target.length)` (clipped to `size`) into `target`, reading
 * contiguous runs in one device request; holes and unwritten extents read as zeros. Returns the count.
 */
export function readRange(volume: ExtVolume, runs: readonly MappedRun[], size: number, offset: number, target: Uint8Array): number {
  const length = Math.max(0, Math.min(target.length, size - offset));
  const bs = volume.blockSize;
  target.fill(0, 0, length);
  const end = offset + length;
  for (const run of runs) {
    const runStart = run.logical * bs;
    const runEnd = runStart + run.count * bs;
    if (runEnd <= offset || runStart >= end || run.zero) continue;
    const from = Math.max(runStart, offset);
    const to = Math.min(runEnd, end);
    const physical = run.physical * bs + (from - runStart);
    const slice = target.subarray(from - offset, to - offset);
    volume.device.readInto(physical, slice);
    volume.counters.blocksRead += Math.ceil(slice.length / bs);
  }
  return length;
}

/** Blocks needed to store `size` bytes densely, map blocks included (worst case for extents: one leaf per 340 runs is not known yet, so a tree of single-block runs is assumed). */
export function estimateBlocks(volume: ExtVolume, size: number, extents: boolean): number {
  const blocks = Math.ceil(size / volume.blockSize);
  if (extents) return blocks;
  return blocks + indirectBlocksFor(blocks, volume.blockSize / 4);
}

/**
 * Stores `content` as the data of `inode` (whose old blocks must already be freed): allocates
 * blocks near `goal`, queues the data for the commit, builds the block map, sets size and block
 * count. `sparse` (buffers only) leaves all-zero blocks unallocated.
 */
export function writeContent(volume: ExtVolume, allocator: Allocator, inode: Inode, content: Uint8Array | DataSource, sparse: boolean, goal: number): void {
  const bs = volume.blockSize;
  const size = content instanceof Uint8Array ? content.length : content.size;
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_WRITE_BYTES) throw new FsTooLargeError(`file of ${size} bytes is larger than ${MAX_WRITE_BYTES} bytes`);
  const blockCount = Math.ceil(size / bs);
  const logicals: number[] = [];
  const skipZeros = sparse && content instanceof Uint8Array;
  for (let i = 0; i < blockCount; i++) if (!skipZeros || !isZero(content.subarray(i * bs, (i + 1) * bs))) logicals.push(i);
  const extents = (inode.flags & INODE_FLAG.extents) !== 0;
  if (estimateBlocks(volume, logicals.length * bs, extents) > allocator.freeBlockCount) {
    throw new FsNoSpaceError(`no space for ${size} bytes (${allocator.freeBlockCount} blocks of ${bs} bytes free)`);
  }
  const physicals = flatten(allocator.allocateBlocks(logicals.length, goal));
  const runs: MappedRun[] = [];
  logicals.forEach((logical, i) => {
    const physical = physicals[i]!;
    const last = runs[runs.length - 1];
    if (last && last.logical + last.count === logical && last.physical + last.count === physical) last.count++;
    else runs.push({ logical, physical, count: 1, zero: false });
  });
  const source = asSource(content);
  for (const run of runs) {
    const from = run.logical * bs;
    volume.writeSource(run.physical, source, from, Math.min(size, (run.logical + run.count) * bs) - from);
  }
  const mapBlocks = buildBlockMap(volume, allocator, inode, runs, extents);
  inode.size = size;
  inode.sectors = ((logicals.length + mapBlocks.length) * bs) / 512 + xattrSectors(volume, inode);
}

/** Frees every data and map block of `map`. */
export function freeMap(allocator: Allocator, map: BlockMap): void {
  for (const run of map.runs) allocator.freeBlocks({ start: run.physical, count: run.count });
  for (const block of map.mapBlocks) allocator.freeBlocks({ start: block, count: 1 });
}
