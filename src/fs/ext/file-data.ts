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
 * Stores `data` as the content of `inode` (whose old blocks must already be freed): allocates
 * blocks near `goal`, writes the data to them directly, builds the block map, sets size and
 * block count. `sparse` leaves all-zero blocks unallocated.
 */
export function writeContent(volume: ExtVolume, allocator: Allocator, inode: Inode, data: Uint8Array, sparse: boolean, goal: number): void {
  const bs = volume.blockSize;
  if (data.length > MAX_WRITE_BYTES) throw new FsTooLargeError(`file of ${data.length} bytes is larger than ${MAX_WRITE_BYTES} bytes`);
  const blockCount = Math.ceil(data.length / bs);
  const logicals: number[] = [];
  for (let i = 0; i < blockCount; i++) if (!sparse || !isZero(data.subarray(i * bs, (i + 1) * bs))) logicals.push(i);
  const extents = (inode.flags & INODE_FLAG.extents) !== 0;
  if (estimateBlocks(volume, logicals.length * bs, extents) > allocator.freeBlockCount) {
    throw new FsNoSpaceError(`no space for ${data.length} bytes (${allocator.freeBlockCount} blocks of ${bs} bytes free)`);
  }
  const physicals = flatten(allocator.allocateBlocks(logicals.length, goal));
  const runs: MappedRun[] = [];
  logicals.forEach((logical, i) => {
    const physical = physicals[i]!;
    const last = runs[runs.length - 1];
    if (last && last.logical + last.count === logical && last.physical + last.count === physical) last.count++;
    else runs.push({ logical, physical, count: 1, zero: false });
  });
  for (const run of runs) writeRun(volume, data, run);
  const mapBlocks = buildBlockMap(volume, allocator, inode, runs, extents);
  inode.size = data.length;
  inode.sectors = ((logicals.length + mapBlocks.length) * bs) / 512 + xattrSectors(volume, inode);
}

/** Writes the bytes of `run` from `data`, the last block padded with zeros. */
function writeRun(volume: ExtVolume, data: Uint8Array, run: MappedRun): void {
  const bs = volume.blockSize;
  const from = run.logical * bs;
  const to = (run.logical + run.count) * bs;
  if (to <= data.length) {
    volume.writeData(run.physical, data.subarray(from, to));
    return;
  }
  const whole = Math.floor((data.length - from) / bs);
  if (whole > 0) volume.writeData(run.physical, data.subarray(from, from + whole * bs));
  const tail = new Uint8Array(bs);
  tail.set(data.subarray(from + whole * bs));
  volume.writeData(run.physical + whole, tail);
}

/** Frees every data and map block of `map`. */
export function freeMap(allocator: Allocator, map: BlockMap): void {
  for (const run of map.runs) allocator.freeBlocks({ start: run.physical, count: run.count });
  for (const block of map.mapBlocks) allocator.freeBlocks({ start: block, count: 1 });
}
