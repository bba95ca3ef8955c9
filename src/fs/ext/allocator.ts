/**
 * Block and inode allocation on the staged bitmaps of an `ExtVolume`. Frees are deferred to the
 * end of the operation, so a block freed and reallocated in one operation can never receive new
 * data while the old metadata on disk still points at it.
 */
import { FsNoSpaceError } from '../errors.ts';
import { BG, INCOMPAT } from './constants.ts';
import { bitmapChecksum, wideBitmapChecksums } from './group-descriptors.ts';
import { groupHasSuper, hasGroupChecksums, hasMetadataCsum } from './superblock.ts';
import type { ExtVolume } from './volume.ts';

/** A run of consecutive blocks. */
export interface BlockRun {
  start: number;
  count: number;
}

/** Allocation state for one operation on a volume. */
export class Allocator {
  readonly #volume: ExtVolume;
  readonly #deferredBlocks: BlockRun[] = [];
  readonly #deferredInodes: Array<{ number: number; directory: boolean }> = [];
  readonly #dirtyBlockBitmaps = new Set<number>();
  readonly #dirtyInodeBitmaps = new Set<number>();

  constructor(volume: ExtVolume) {
    this.#volume = volume;
  }

  /** Free blocks available to this operation (frees of this operation not counted). */
  get freeBlockCount(): number {
    return this.#volume.sb.freeBlocks;
  }

  /**
   * Takes `count` blocks, first-fit from block `goal` onwards (wrapping), as few runs as the free
   * space allows. Throws `FsNoSpaceError` (nothing is taken then) when there are not enough.
   */
  allocateBlocks(count: number, goal: number): BlockRun[] {
    const volume = this.#volume;
    if (count === 0) return [];
    if (count > volume.sb.freeBlocks) throw new FsNoSpaceError(`need ${count} blocks, ${volume.sb.freeBlocks} free`);
    const runs: BlockRun[] = [];
    let needed = count;
    const groupCount = volume.sb.groupCount;
    const goalGroup = Math.min(groupCount - 1, Math.max(0, Math.floor((goal - volume.sb.firstDataBlock) / volume.sb.blocksPerGroup)));
    for (let step = 0; step <= groupCount && needed > 0; step++) {
      const group = (goalGroup + step) % groupCount;
      const gd = volume.groups[group]!;
      if (gd.freeBlocks === 0) continue;
      const bitmap = this.#blockBitmap(group);
      const blocks = volume.groupBlocks(group);
      const startBit = step === 0 ? Math.max(0, Math.min(blocks, goal - volume.groupStart(group))) : 0;
      const order = step === 0 && startBit > 0 ? [[startBit, blocks], [0, startBit]] : [[0, blocks]];
      for (const [from, to] of order as Array<[number, number]>) {
        for (let bit = from; bit < to && needed > 0; bit++) {
          if (bitmap[bit >> 3]! & (1 << (bit & 7))) continue;
          let end = bit;
          while (end < to && end - bit < needed && !(bitmap[end >> 3]! & (1 << (end & 7)))) end++;
          for (let b = bit; b < end; b++) bitmap[b >> 3]! |= 1 << (b & 7);
          const start = volume.groupStart(group) + bit;
          const last = runs[runs.length - 1];
          if (last && last.start + last.count === start) last.count += end - bit;
          else runs.push({ start, count: end - bit });
          gd.freeBlocks -= end - bit;
          volume.sb.freeBlocks -= end - bit;
          needed -= end - bit;
          bit = end;
        }
      }
      if (hasGroupChecksums(volume.sb)) gd.flags &= ~BG.blockUninit;
      volume.touchGroup(group);
    }
    if (needed > 0) throw new FsNoSpaceError(`need ${count} blocks; the free-block count is wrong (${needed} missing)`);
    return runs;
  }

  /** Marks `run` to be freed when the operation finishes. */
  freeBlocks(run: BlockRun): void {
    if (run.count > 0) this.#deferredBlocks.push(run);
  }

  /** Takes a free inode, preferring group `goalGroup`; throws `FsNoSpaceError` when none is left. */
  allocateInode(directory: boolean, goalGroup: number): number {
    const volume = this.#volume;
    const sb = volume.sb;
    if (sb.freeInodes === 0) throw new FsNoSpaceError('no free inodes');
    for (let step = 0; step < sb.groupCount; step++) {
      const group = (goalGroup + step) % sb.groupCount;
      const gd = volume.groups[group]!;
      if (gd.freeInodes === 0) continue;
      const bitmap = this.#inodeBitmap(group);
      const first = group === 0 ? sb.firstInode - 1 : 0;
      for (let bit = first; bit < sb.inodesPerGroup; bit++) {
        if (bitmap[bit >> 3]! & (1 << (bit & 7))) continue;
        bitmap[bit >> 3]! |= 1 << (bit & 7);
        gd.freeInodes--;
        sb.freeInodes--;
        if (directory) gd.usedDirs++;
        if (hasGroupChecksums(sb)) {
          gd.flags &= ~BG.inodeUninit;
          if (sb.inodesPerGroup - gd.itableUnused <= bit) gd.itableUnused = sb.inodesPerGroup - bit - 1;
        }
        volume.touchGroup(group);
        return group * sb.inodesPerGroup + bit + 1;
      }
    }
    throw new FsNoSpaceError('no free inodes (the free-inode count is wrong)');
  }

  /** Marks inode `number` to be freed when the operation finishes. */
  freeInode(number: number, directory: boolean): void {
    this.#deferredInodes.push({ number, directory });
  }

  /** Applies the deferred frees and refreshes bitmap checksums; call once before `volume.commit`. */
  finish(): void {
    const volume = this.#volume;
    const sb = volume.sb;
    for (const run of this.#deferredBlocks) {
      for (let block = run.start; block < run.start + run.count; block++) {
        const group = Math.floor((block - sb.firstDataBlock) / sb.blocksPerGroup);
        const bit = block - volume.groupStart(group);
        const bitmap = this.#blockBitmap(group);
        if (!(bitmap[bit >> 3]! & (1 << (bit & 7)))) continue;
        bitmap[bit >> 3]! &= ~(1 << (bit & 7));
        volume.groups[group]!.freeBlocks++;
        sb.freeBlocks++;
        volume.touchGroup(group);
      }
    }
    for (const { number, directory } of this.#deferredInodes) {
      const group = Math.floor((number - 1) / sb.inodesPerGroup);
      const bit = (number - 1) % sb.inodesPerGroup;
      const bitmap = this.#inodeBitmap(group);
      if (!(bitmap[bit >> 3]! & (1 << (bit & 7)))) continue;
      bitmap[bit >> 3]! &= ~(1 << (bit & 7));
      const gd = volume.groups[group]!;
      gd.freeInodes++;
      sb.freeInodes++;
      if (directory) gd.usedDirs--;
      volume.touchGroup(group);
    }
    this.#deferredBlocks.length = 0;
    this.#deferredInodes.length = 0;
    if (!hasMetadataCsum(sb)) return;
    const mask = wideBitmapChecksums(sb) ? 0xffffffff : 0xffff;
    for (const group of this.#dirtyBlockBitmaps) {
      const gd = volume.groups[group]!;
      gd.blockBitmapCsum = (bitmapChecksum(sb, volume.readBlock(gd.blockBitmap), sb.blocksPerGroup) & mask) >>> 0;
      volume.touchGroup(group);
    }
    for (const group of this.#dirtyInodeBitmaps) {
      const gd = volume.groups[group]!;
      gd.inodeBitmapCsum = (bitmapChecksum(sb, volume.readBlock(gd.inodeBitmap), sb.inodesPerGroup) & mask) >>> 0;
      volume.touchGroup(group);
    }
  }

  /** The staged block bitmap of `group`, built first if the group is still BLOCK_UNINIT. */
  #blockBitmap(group: number): Uint8Array {
    const volume = this.#volume;
    const gd = volume.groups[group]!;
    this.#dirtyBlockBitmaps.add(group);
    if (!(gd.flags & BG.blockUninit)) return volume.modifyBlock(gd.blockBitmap, 'bitmap');
    const bitmap = initialBlockBitmap(volume, group);
    volume.stageBlock(gd.blockBitmap, bitmap, 'bitmap');
    return bitmap;
  }

  /** The staged inode bitmap of `group`, zeroed first if the group is still INODE_UNINIT. */
  #inodeBitmap(group: number): Uint8Array {
    const volume = this.#volume;
    const gd = volume.groups[group]!;
    this.#dirtyInodeBitmaps.add(group);
    if (!(gd.flags & BG.inodeUninit)) return volume.modifyBlock(gd.inodeBitmap, 'bitmap');
    const bitmap = new Uint8Array(volume.blockSize);
    setPadding(bitmap, volume.sb.inodesPerGroup);
    volume.stageBlock(gd.inodeBitmap, bitmap, 'bitmap');
    return bitmap;
  }
}

/** Sets every bit from `bits` to the end of the bitmap block, as ext requires. */
export function setPadding(bitmap: Uint8Array, bits: number): void {
  for (let bit = bits; bit < bitmap.length * 8; bit++) bitmap[bit >> 3]! |= 1 << (bit & 7);
}

/** Blocks of a group's superblock backup and descriptor table (with reserved GDT blocks), 0 when it has none. */
export function superAndGdtBlocks(volume: ExtVolume, group: number): number {
  const sb = volume.sb;
  if (!groupHasSuper(sb, group)) return 0;
  if (sb.incompat & INCOMPAT.metaBg) return 1;
  const gdtBlocks = Math.ceil((sb.groupCount * sb.descSize) / sb.blockSize);
  // Group 0 with 1 KiB blocks: block 0 is outside the group (first data block 1), the superblock is block 1.
  return 1 + gdtBlocks + sb.reservedGdtBlocks;
}

/** The block bitmap a BLOCK_UNINIT group implies: its own super/GDT blocks and every group's metadata inside it. */
function initialBlockBitmap(volume: ExtVolume, group: number): Uint8Array {
  const sb = volume.sb;
  const bitmap = new Uint8Array(volume.blockSize);
  const start = volume.groupStart(group);
  const blocks = volume.groupBlocks(group);
  const mark = (block: number, count: number): void => {
    for (let b = Math.max(block, start); b < Math.min(block + count, start + blocks); b++) bitmap[(b - start) >> 3]! |= 1 << ((b - start) & 7);
  };
  mark(start, superAndGdtBlocks(volume, group));
  const tableBlocks = Math.ceil((sb.inodesPerGroup * sb.inodeSize) / sb.blockSize);
  for (const gd of volume.groups) {
    mark(gd.blockBitmap, 1);
    mark(gd.inodeBitmap, 1);
    mark(gd.inodeTable, tableBlocks);
  }
  setPadding(bitmap, blocks);
  return bitmap;
}
