/** Directories as a whole: listing, lookup, adding and removing entries, and dropping an htree index. */
import { FsCorruptionError, FsNoSpaceError, FsTooLargeError } from '../errors.ts';
import type { Allocator } from './allocator.ts';
import type { MappedRun } from './block-map.ts';
import { readBlockMap } from './block-map.ts';
import { INCOMPAT, INODE_FLAG } from './constants.ts';
import type { RawDirEntry } from './directory-block.ts';
import { DIR_TAIL_BYTES, emptyDirBlock, entryBytes, hasTail, insertEntry, parseDirBlock, removeEntryAt, verifyDirBlock, writeEntry, writeTail } from './directory-block.ts';
import type { Inode } from './inode.ts';
import { inodeSeed } from './inode.ts';
import { buildBlockMap } from './map-builder.ts';
import { hasMetadataCsum } from './superblock.ts';
import type { ExtVolume } from './volume.ts';

/** A live entry of a directory, with where it is stored. */
export interface DirRecord {
  name: string;
  nameBytes: Uint8Array;
  inode: number;
  fileType: number;
  block: number;
  offset: number;
}

const decoder = new TextDecoder('utf-8');

/** True when directory entries carry a file-type byte. */
export function usesFileTypes(volume: ExtVolume): boolean {
  return (volume.sb.incompat & INCOMPAT.filetype) !== 0;
}

/** The checksum seed for blocks of `dir`, or null without metadata_csum. */
export function dirSeed(volume: ExtVolume, dir: Inode): number | null {
  return hasMetadataCsum(volume.sb) ? inodeSeed(volume.sb, dir.number, dir.generation) : null;
}

/** Physical blocks of a directory in logical order (holes skipped). */
export function directoryBlocks(volume: ExtVolume, dir: Inode): number[] {
  if (dir.flags & INODE_FLAG.inlineData) throw new FsCorruptionError(`directory inode ${dir.number} keeps its entries inline (inline_data), which qedisk does not read`);
  const blocks: number[] = [];
  const limit = Math.ceil(dir.size / volume.blockSize);
  for (const run of readBlockMap(volume, dir).runs) {
    for (let i = 0; i < run.count && run.logical + i < limit; i++) blocks.push(run.physical + i);
  }
  return blocks;
}

/** Every live entry of `dir` (including `.` and `..`), verifying block checksums. */
export function readDirectory(volume: ExtVolume, dir: Inode): DirRecord[] {
  const records: DirRecord[] = [];
  const seed = dirSeed(volume, dir);
  const fileTypes = usesFileTypes(volume);
  for (const block of directoryBlocks(volume, dir)) {
    const where = `directory inode ${dir.number}, block ${block}`;
    if (seed !== null) volume.verifyOnce(block, (bytes) => verifyDirBlock(bytes, seed, where));
    const bytes = volume.readBlock(block);
    for (const entry of parseDirBlock(bytes, fileTypes, where)) {
      if (entry.inode === 0) continue;
      if (entry.inode > volume.sb.inodesCount) throw new FsCorruptionError(`${where}: entry points to inode ${entry.inode}, past the last inode`);
      records.push({ name: decoder.decode(entry.name), nameBytes: entry.name.slice(), inode: entry.inode, fileType: entry.fileType, block, offset: entry.offset });
    }
  }
  return records;
}

/** The entry called `name` (bytes) in `dir`, or null. Compares raw names; decodes only the match. */
export function findEntry(volume: ExtVolume, dir: Inode, name: Uint8Array): DirRecord | null {
  const seed = dirSeed(volume, dir);
  const fileTypes = usesFileTypes(volume);
  for (const block of directoryBlocks(volume, dir)) {
    const where = `directory inode ${dir.number}, block ${block}`;
    if (seed !== null) volume.verifyOnce(block, (bytes) => verifyDirBlock(bytes, seed, where));
    const bytes = volume.readBlock(block);
    for (const entry of parseDirBlock(bytes, fileTypes, where)) {
      if (entry.inode === 0 || !sameBytes(entry.name, name)) continue;
      if (entry.inode > volume.sb.inodesCount) throw new FsCorruptionError(`${where}: entry points to inode ${entry.inode}, past the last inode`);
      return { name: decoder.decode(entry.name), nameBytes: entry.name.slice(), inode: entry.inode, fileType: entry.fileType, block, offset: entry.offset };
    }
  }
  return null;
}

/** Adds `name` → `inode` to `dir`, growing it by a block when no block has room. `dir` is updated (size, map) but not written. */
export function addEntry(volume: ExtVolume, allocator: Allocator, dir: Inode, name: Uint8Array, inode: number, fileType: number): void {
  if (dir.flags & INODE_FLAG.index) dropIndex(volume, dir);
  const seed = dirSeed(volume, dir);
  const fileTypes = usesFileTypes(volume);
  const limit = volume.blockSize - (seed === null ? 0 : DIR_TAIL_BYTES);
  for (const block of directoryBlocks(volume, dir)) {
    const current = volume.readBlock(block);
    if (seed !== null && !hasTail(current)) continue;
    const copy = current.slice();
    if (!insertEntry(copy, limit, inode, name, fileType, fileTypes)) continue;
    if (seed !== null) writeTail(copy, seed);
    volume.stageBlock(block, copy, 'dir');
    return;
  }
  const fresh = emptyDirBlock(volume.blockSize, null);
  writeEntry(fresh, 0, inode, limit, name, fileType, fileTypes);
  if (seed !== null) writeTail(fresh, seed);
  appendBlock(volume, allocator, dir, fresh);
}

/** Removes the entry `record` from `dir`. */
export function removeEntry(volume: ExtVolume, allocator: Allocator, dir: Inode, record: DirRecord): void {
  if (dir.flags & INODE_FLAG.index) dropIndex(volume, dir);
  const seed = dirSeed(volume, dir);
  const copy = volume.readBlock(record.block).slice();
  const entries: RawDirEntry[] = parseDirBlock(copy, usesFileTypes(volume), `directory inode ${dir.number}`);
  removeEntryAt(copy, entries, record.offset);
  if (seed !== null) writeTail(copy, seed);
  volume.stageBlock(record.block, copy, 'dir');
}

/** Points the entry `record` (e.g. `..`) at `inode` instead. */
export function retargetEntry(volume: ExtVolume, dir: Inode, record: DirRecord, inode: number): void {
  const seed = dirSeed(volume, dir);
  const copy = volume.readBlock(record.block).slice();
  copy[record.offset] = inode & 0xff;
  copy[record.offset + 1] = (inode >>> 8) & 0xff;
  copy[record.offset + 2] = (inode >>> 16) & 0xff;
  copy[record.offset + 3] = (inode >>> 24) & 0xff;
  if (seed !== null && hasTail(copy)) writeTail(copy, seed);
  volume.stageBlock(record.block, copy, 'dir');
}

/** The first block of a new directory `self` inside `parent`: `.` and `..`. */
export function newDirectoryBlock(volume: ExtVolume, self: Inode, parent: number): Uint8Array {
  const seed = dirSeed(volume, self);
  const fileTypes = usesFileTypes(volume);
  const block = emptyDirBlock(volume.blockSize, null);
  const limit = volume.blockSize - (seed === null ? 0 : DIR_TAIL_BYTES);
  writeEntry(block, 0, self.number, entryBytes(1), new Uint8Array([0x2e]), 2, fileTypes);
  writeEntry(block, entryBytes(1), parent, limit - entryBytes(1), new Uint8Array([0x2e, 0x2e]), 2, fileTypes);
  if (seed !== null) writeTail(block, seed);
  return block;
}

/**
 * Turns an htree directory into a linear one: every index block becomes an ordinary block (the
 * root keeps `.` and `..`), and the index flag is cleared. e2fsck accepts linear directories of
 * any size; the kernel rebuilds an index when it needs one.
 */
export function dropIndex(volume: ExtVolume, dir: Inode): void {
  const seed = dirSeed(volume, dir);
  directoryBlocks(volume, dir).forEach((block, index) => {
    const bytes = volume.readBlock(block);
    if (index === 0) {
      const entries = parseDirBlock(bytes, usesFileTypes(volume), `directory inode ${dir.number}`);
      volume.stageBlock(block, newDirectoryBlock(volume, dir, entries[1]?.inode ?? dir.number), 'dir');
    } else if (isIndexNode(bytes, volume.blockSize)) {
      volume.stageBlock(block, emptyDirBlock(volume.blockSize, seed), 'dir');
    }
  });
  dir.flags &= ~INODE_FLAG.index;
}

/** An htree interior node: one unused entry covering the whole block. */
function isIndexNode(block: Uint8Array, blockSize: number): boolean {
  return block[0] === 0 && block[1] === 0 && block[2] === 0 && block[3] === 0 && (block[4]! | (block[5]! << 8)) === blockSize;
}

/** Appends `bytes` as a new last block of `dir` (allocated near the directory's last block). */
function appendBlock(volume: ExtVolume, allocator: Allocator, dir: Inode, bytes: Uint8Array): void {
  const map = readBlockMap(volume, dir);
  const logical = Math.ceil(dir.size / volume.blockSize);
  if (logical >= 0xffffffff) throw new FsTooLargeError(`directory inode ${dir.number} is too large`);
  const last = map.runs[map.runs.length - 1];
  const [run] = allocator.allocateBlocks(1, last ? last.physical + last.count : volume.groupStart(0));
  if (!run) throw new FsNoSpaceError('no block for the directory');
  volume.stageBlock(run.start, bytes, 'dir');
  const runs: MappedRun[] = map.runs.map((r) => ({ ...r }));
  const tail = runs[runs.length - 1];
  if (tail && tail.logical + tail.count === logical && tail.physical + tail.count === run.start && !tail.zero) tail.count++;
  else runs.push({ logical, physical: run.start, count: 1, zero: false });
  for (const block of map.mapBlocks) allocator.freeBlocks({ start: block, count: 1 });
  const mapBlocks = buildBlockMap(volume, allocator, dir, runs, (dir.flags & INODE_FLAG.extents) !== 0);
  dir.size = (logical + 1) * volume.blockSize;
  dir.sectors = ((runs.reduce((sum, r) => sum + r.count, 0) + mapBlocks.length) * volume.blockSize) / 512 + xattrSectors(volume, dir);
}

/** Sectors charged to `inode` for its extended-attribute block. */
export function xattrSectors(volume: ExtVolume, inode: Inode): number {
  return inode.fileAcl !== 0 ? volume.blockSize / 512 : 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
