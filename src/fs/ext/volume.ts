/**
 * An open ext file system at block level: the superblock and group descriptors, a bounded cache
 * of metadata blocks, and the write batch of one operation. Metadata changes are staged in memory
 * and reach the device only in `commit()`, so a failing operation (`rollback()`) leaves the disk
 * as it was. File data goes straight to blocks that are free on disk until the commit.
 */
import type { BlockDevice } from '../block-device.ts';
import { readBytes } from '../block-device.ts';
import type { DataSource } from '../file-system.ts';
import { PendingData, bufferSource } from '../pending-data.ts';
import { FsCorruptionError } from '../errors.ts';
import { SUPERBLOCK_BYTES, SUPERBLOCK_OFFSET } from './constants.ts';
import type { GroupDescriptor } from './group-descriptors.ts';
import { decodeGroupDescriptor, encodeGroupDescriptor } from './group-descriptors.ts';
import type { Inode } from './inode.ts';
import { decodeInode, encodeInode } from './inode.ts';
import type { Superblock } from './superblock.ts';
import { decodeSuperblock, encodeSuperblock } from './superblock.ts';

/** What a staged block holds; decides the order of the commit. */
export type BlockKind = 'map' | 'bitmap' | 'inode' | 'dir' | 'super';

/** Most clean metadata blocks kept in memory. */
const CACHE_LIMIT_BLOCKS = 4096;

/** Commit orders: growing operations link last; shrinking ones unlink first. */
const ORDER: Record<'grow' | 'shrink', readonly BlockKind[]> = {
  grow: ['map', 'bitmap', 'inode', 'dir', 'super'],
  shrink: ['dir', 'inode', 'map', 'bitmap', 'super'],
};

/** Counters for tests that bound the work done on bad input. */
export interface VolumeCounters {
  /** Blocks read from the device (metadata and data). */
  blocksRead: number;
}

/** The block-level state of an open ext file system. */
export class ExtVolume {
  readonly device: BlockDevice;
  readonly sb: Superblock;
  readonly groups: GroupDescriptor[];
  readonly blockSize: number;
  readonly counters: VolumeCounters = { blocksRead: 0 };
  readonly #cache = new Map<number, Uint8Array>();
  readonly #staged = new Map<number, { bytes: Uint8Array; kind: BlockKind }>();
  readonly #dirtyGroups = new Set<number>();
  /** Cached blocks whose checksum was verified as they are now (dropped when a block changes or leaves the cache). */
  readonly #verified = new Set<number>();
  readonly #data = new PendingData();
  #superDirty = false;
  #snapshot: { sb: Uint8Array; free: [number, number]; groups: Uint8Array[] } | null = null;

  /** Reads the superblock and group descriptors of `device`. */
  constructor(device: BlockDevice) {
    this.device = device;
    if (device.size < SUPERBLOCK_OFFSET + SUPERBLOCK_BYTES) throw new FsCorruptionError('device too small for an ext superblock');
    this.sb = decodeSuperblock(readBytes(device, SUPERBLOCK_OFFSET, SUPERBLOCK_BYTES));
    this.blockSize = this.sb.blockSize;
    if (this.sb.blocksCount * this.blockSize > device.size) {
      throw new FsCorruptionError(`ext file system of ${this.sb.blocksCount} blocks is larger than its ${device.size}-byte device`);
    }
    this.groups = this.#readGroups();
  }

  /** Block number of group `group`'s first block. */
  groupStart(group: number): number {
    return this.sb.firstDataBlock + group * this.sb.blocksPerGroup;
  }

  /** Blocks in group `group` (the last group may be short). */
  groupBlocks(group: number): number {
    return Math.min(this.sb.blocksPerGroup, this.sb.blocksCount - this.groupStart(group));
  }

  /** Throws `FsCorruptionError` unless `[block, block + count)` lies inside the file system. */
  checkRange(block: number, count: number, what: string): void {
    if (!Number.isSafeInteger(block) || block < this.sb.firstDataBlock || count < 0 || block + count > this.sb.blocksCount) {
      throw new FsCorruptionError(`${what}: block ${block}${count > 1 ? `+${count}` : ''} lies outside the file system`);
    }
  }

  /** The current bytes of metadata block `block` (staged or cached); do not modify them, use `modifyBlock`. */
  readBlock(block: number): Uint8Array {
    const staged = this.#staged.get(block);
    if (staged) return staged.bytes;
    const cached = this.#cache.get(block);
    if (cached) return cached;
    if (block < 0 || block >= this.sb.blocksCount) throw new FsCorruptionError(`block ${block} lies outside the file system`);
    const bytes = readBytes(this.device, block * this.blockSize, this.blockSize);
    this.counters.blocksRead++;
    if (this.#cache.size >= CACHE_LIMIT_BLOCKS) {
      this.#cache.clear();
      this.#verified.clear();
    }
    this.#cache.set(block, bytes);
    return bytes;
  }

  /** Runs `verify` on block `block` once while it stays cached and unchanged. */
  verifyOnce(block: number, verify: (bytes: Uint8Array) => void): void {
    if (this.#verified.has(block)) return;
    verify(this.readBlock(block));
    if (!this.#staged.has(block)) this.#verified.add(block);
  }

  /** A staged, writable copy of block `block`; changes reach the device at `commit()`. */
  modifyBlock(block: number, kind: BlockKind): Uint8Array {
    const staged = this.#staged.get(block);
    if (staged) return staged.bytes;
    const bytes = this.readBlock(block).slice();
    this.#staged.set(block, { bytes, kind });
    this.#verified.delete(block);
    return bytes;
  }

  /** Stages `bytes` (kept) as the new content of block `block`. */
  stageBlock(block: number, bytes: Uint8Array, kind: BlockKind): void {
    this.#staged.set(block, { bytes, kind });
    this.#verified.delete(block);
  }

  /** Reads file data at block `block` straight from the device into `target`. */
  readData(block: number, target: Uint8Array): void {
    this.device.readInto(block * this.blockSize, target);
    this.counters.blocksRead += Math.ceil(target.byteLength / this.blockSize);
  }

  /**
   * Queues file data for block `block` (free on disk until the commit). `data` is kept, not
   * copied, until `commit()` writes it first of all, or `rollback()` drops it.
   */
  writeData(block: number, data: Uint8Array): void {
    this.#data.add(block * this.blockSize, bufferSource(data), 0, data.length);
  }

  /** Queues `length` bytes of `source` from `from` for block `block`, zero-padded to whole blocks; read at commit. */
  writeSource(block: number, source: DataSource, from: number, length: number): void {
    this.#data.add(block * this.blockSize, source, from, length, (this.blockSize - (length % this.blockSize)) % this.blockSize);
  }

  /** Reads inode `number`. */
  readInode(number: number): Inode {
    const { block, offset } = this.#inodeLocation(number);
    return decodeInode(this.sb, number, this.readBlock(block).subarray(offset, offset + this.sb.inodeSize));
  }

  /** Stages `inode` (with a fresh checksum) into its inode-table block. */
  writeInode(inode: Inode): void {
    const { block, offset } = this.#inodeLocation(inode.number);
    this.modifyBlock(block, 'inode').set(encodeInode(this.sb, inode), offset);
  }

  /** Marks group `group`'s descriptor as changed. */
  touchGroup(group: number): void {
    this.#remember();
    this.#dirtyGroups.add(group);
    this.#superDirty = true;
  }

  /** Starts an operation: later `rollback()` restores the counts seen now. */
  begin(): void {
    this.#remember();
  }

  /** Writes every staged block to the device in the order for `shape`, then the superblock; flushes. */
  commit(shape: 'grow' | 'shrink', wtime: number): void {
    if (!this.#superDirty && this.#staged.size === 0 && this.#data.empty) {
      this.#snapshot = null;
      return;
    }
    this.#stageGroupDescriptors();
    this.#stageSuperblock(wtime);
    const write = this.device.write;
    if (!write) throw new FsCorruptionError('device is read-only');
    // File data first: it lands in blocks no metadata on disk points to yet.
    this.#data.writeAll(this.device, write);
    for (const kind of ORDER[shape]) {
      const blocks = [...this.#staged].filter(([, entry]) => entry.kind === kind).sort((a, b) => a[0] - b[0]);
      for (const [block, entry] of blocks) write.call(this.device, block * this.blockSize, entry.bytes);
    }
    this.device.flush?.();
    for (const [block, entry] of this.#staged) this.#cache.set(block, entry.bytes);
    if (this.#cache.size > CACHE_LIMIT_BLOCKS) {
      this.#cache.clear();
      this.#verified.clear();
    }
    this.#staged.clear();
    this.#dirtyGroups.clear();
    this.#superDirty = false;
    this.#snapshot = null;
  }

  /** Drops every staged change and restores the superblock and descriptors seen at `begin()`. */
  rollback(): void {
    this.#data.clear();
    this.#cache.clear();
    this.#verified.clear();
    this.#staged.clear();
    this.#dirtyGroups.clear();
    this.#superDirty = false;
    const snapshot = this.#snapshot;
    this.#snapshot = null;
    if (!snapshot) return;
    this.sb.raw.set(snapshot.sb);
    [this.sb.freeBlocks, this.sb.freeInodes] = snapshot.free;
    snapshot.groups.forEach((raw, group) => {
      this.groups[group] = decodeGroupDescriptor(this.sb, group, raw);
    });
  }

  #remember(): void {
    if (this.#snapshot) return;
    this.#snapshot = {
      sb: this.sb.raw.slice(),
      free: [this.sb.freeBlocks, this.sb.freeInodes],
      groups: this.groups.map((gd, group) => encodeGroupDescriptor(this.sb, group, { ...gd, raw: gd.raw.slice() }).slice()),
    };
  }

  #inodeLocation(number: number): { block: number; offset: number } {
    if (!Number.isSafeInteger(number) || number < 1 || number > this.sb.inodesCount) throw new FsCorruptionError(`inode number ${number} is out of range`);
    const group = Math.floor((number - 1) / this.sb.inodesPerGroup);
    const index = (number - 1) % this.sb.inodesPerGroup;
    const byte = index * this.sb.inodeSize;
    const gd = this.groups[group]!;
    return { block: gd.inodeTable + Math.floor(byte / this.blockSize), offset: byte % this.blockSize };
  }

  #gdtLocation(group: number): { block: number; offset: number } {
    const perBlock = this.blockSize / this.sb.descSize;
    return { block: this.sb.firstDataBlock + 1 + Math.floor(group / perBlock), offset: (group % perBlock) * this.sb.descSize };
  }

  #readGroups(): GroupDescriptor[] {
    const groups: GroupDescriptor[] = [];
    for (let group = 0; group < this.sb.groupCount; group++) {
      const { block, offset } = this.#gdtLocation(group);
      if (block >= this.sb.blocksCount) throw new FsCorruptionError('group descriptor table runs past the end of the file system');
      groups.push(decodeGroupDescriptor(this.sb, group, this.readBlock(block).slice(offset, offset + this.sb.descSize)));
    }
    return groups;
  }

  #stageGroupDescriptors(): void {
    for (const group of this.#dirtyGroups) {
      const { block, offset } = this.#gdtLocation(group);
      this.modifyBlock(block, 'super').set(encodeGroupDescriptor(this.sb, group, this.groups[group]!), offset);
    }
  }

  #stageSuperblock(wtime: number): void {
    const raw = encodeSuperblock(this.sb, wtime);
    const block = Math.floor(SUPERBLOCK_OFFSET / this.blockSize);
    this.modifyBlock(block, 'super').set(raw, SUPERBLOCK_OFFSET - block * this.blockSize);
  }
}
