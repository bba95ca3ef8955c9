/**
 * The write operations of ext, each run inside one staged batch by `ExtFileSystem`: create or
 * replace a file, make a directory, symlink or device node, remove, rename.
 */
import { setU32, u32 } from '../bytes.ts';
import { crc32cRaw } from '../crc.ts';
import { FsExistsError, FsInvalidPathError, FsIsADirectoryError, FsNotEmptyError, FsUnsupportedError } from '../errors.ts';
import type { DataSource } from '../file-system.ts';
import type { Allocator } from './allocator.ts';
import { readBlockMap } from './block-map.ts';
import { DIRENT_TYPE, INCOMPAT, INODE_FLAG, I_BLOCK_BYTES, MAX_LINKS, RO_COMPAT, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK } from './constants.ts';
import { direntType } from './file-types.ts';
import type { DirRecord } from './directory.ts';
import { addEntry, findEntry, newDirectoryBlock, readDirectory, removeEntry } from './directory.ts';
import { freeMap, writeContent } from './file-data.ts';
import type { Inode } from './inode.ts';
import { fileFormat, newInode } from './inode.ts';
import { nameBytes } from './lookup.ts';
import { buildBlockMap } from './map-builder.ts';
import { hasMetadataCsum } from './superblock.ts';
import type { ExtVolume } from './volume.ts';

/** What every mutation needs. */
export interface MutationContext {
  volume: ExtVolume;
  allocator: Allocator;
  /** Seconds since the epoch for ctime/mtime of touched directories and defaults. */
  now: number;
}

/** Ownership, permissions and time of a new object. */
export interface NewObjectOptions {
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
}

function usesExtents(ctx: MutationContext): boolean {
  return (ctx.volume.sb.incompat & INCOMPAT.extents) !== 0;
}

function groupOf(ctx: MutationContext, inode: number): number {
  return Math.floor((inode - 1) / ctx.volume.sb.inodesPerGroup);
}

/** A new inode of type `format` inside `parent`, with options applied (not yet written). */
function createInode(ctx: MutationContext, parent: Inode, format: number, defaultPerm: number, options: NewObjectOptions): Inode {
  const number = ctx.allocator.allocateInode(format === S_IFDIR, groupOf(ctx, parent.number));
  const time = options.mtime ?? ctx.now;
  const inode = newInode(ctx.volume.sb, number, format | ((options.mode ?? defaultPerm) & 0o7777), time);
  inode.uid = options.uid ?? 0;
  inode.gid = options.gid ?? 0;
  inode.links = 1;
  if (usesExtents(ctx) && format !== S_IFLNK && format !== S_IFCHR && format !== S_IFBLK && format !== S_IFIFO && format !== S_IFSOCK) {
    inode.flags |= INODE_FLAG.extents;
    buildBlockMap(ctx.volume, ctx.allocator, inode, [], true);
  }
  return inode;
}

/** Records a changed entry list in `dir`: times, and the inode written. */
export function touchDirectory(ctx: MutationContext, dir: Inode): void {
  dir.mtime = ctx.now;
  dir.ctime = ctx.now;
  ctx.volume.writeInode(dir);
}

export function refuseInline(inode: Inode): void {
  if (inode.flags & INODE_FLAG.inlineData) throw new FsUnsupportedError(`inode ${inode.number} keeps its data inline (inline_data), which qedisk does not write`);
}

/** Creates `name` in `dir` with `data`, or replaces the content of the regular file already there. */
export function writeFileIn(ctx: MutationContext, dir: Inode, name: string, data: Uint8Array | DataSource, options: NewObjectOptions & { sparse?: boolean }): void {
  const bytes = nameBytes(name);
  refuseInline(dir);
  const existing = findEntry(ctx.volume, dir, bytes);
  if (existing) {
    const inode = ctx.volume.readInode(existing.inode);
    if (fileFormat(inode.mode) === S_IFDIR) throw new FsIsADirectoryError(`'${name}' is a directory`);
    if (fileFormat(inode.mode) === S_IFREG) {
      refuseInline(inode);
      freeMap(ctx.allocator, readBlockMap(ctx.volume, inode));
      if (usesExtents(ctx)) inode.flags |= INODE_FLAG.extents;
      writeContent(ctx.volume, ctx.allocator, inode, data, options.sparse ?? false, inode.number);
      inode.mtime = options.mtime ?? ctx.now;
      inode.ctime = inode.mtime;
      if (options.mode !== undefined) inode.mode = S_IFREG | (options.mode & 0o7777);
      if (options.uid !== undefined) inode.uid = options.uid;
      if (options.gid !== undefined) inode.gid = options.gid;
      ctx.volume.writeInode(inode);
      return;
    }
    unlinkRecord(ctx, dir, existing);
  }
  const inode = createInode(ctx, dir, S_IFREG, 0o644, options);
  const goal = ctx.volume.groupStart(groupOf(ctx, inode.number));
  writeContent(ctx.volume, ctx.allocator, inode, data, options.sparse ?? false, goal);
  ctx.volume.writeInode(inode);
  addEntry(ctx.volume, ctx.allocator, dir, bytes, inode.number, DIRENT_TYPE.file);
  touchDirectory(ctx, dir);
}

/** Creates directory `name` in `dir`. */
export function mkdirIn(ctx: MutationContext, dir: Inode, name: string, options: NewObjectOptions): void {
  const bytes = nameBytes(name);
  refuseInline(dir);
  if (findEntry(ctx.volume, dir, bytes)) throw new FsExistsError(`'${name}' already exists`);
  const inode = createInode(ctx, dir, S_IFDIR, 0o755, options);
  inode.links = 2;
  const [run] = ctx.allocator.allocateBlocks(1, ctx.volume.groupStart(groupOf(ctx, inode.number)));
  ctx.volume.stageBlock(run!.start, newDirectoryBlock(ctx.volume, inode, dir.number), 'dir');
  const mapBlocks = buildBlockMap(ctx.volume, ctx.allocator, inode, [{ logical: 0, physical: run!.start, count: 1, zero: false }], usesExtents(ctx));
  inode.size = ctx.volume.blockSize;
  inode.sectors = ((1 + mapBlocks.length) * ctx.volume.blockSize) / 512;
  ctx.volume.writeInode(inode);
  addEntry(ctx.volume, ctx.allocator, dir, bytes, inode.number, DIRENT_TYPE.directory);
  addLink(ctx, dir);
  touchDirectory(ctx, dir);
}

/** Creates symlink `name` → `target` in `dir` (fast when the target fits in the inode). */
export function symlinkIn(ctx: MutationContext, dir: Inode, name: string, target: string, options: NewObjectOptions): void {
  const bytes = nameBytes(name);
  refuseInline(dir);
  const targetBytes = new TextEncoder().encode(target);
  if (targetBytes.length === 0 || targetBytes.length >= ctx.volume.blockSize) throw new FsInvalidPathError(`symlink target must be 1 to ${ctx.volume.blockSize - 1} bytes long`);
  if (findEntry(ctx.volume, dir, bytes)) throw new FsExistsError(`'${name}' already exists`);
  const inode = createInode(ctx, dir, S_IFLNK, 0o777, options);
  if (targetBytes.length < I_BLOCK_BYTES) {
    inode.block.set(targetBytes);
    inode.size = targetBytes.length;
  } else {
    if (usesExtents(ctx)) inode.flags |= INODE_FLAG.extents;
    writeContent(ctx.volume, ctx.allocator, inode, targetBytes, false, ctx.volume.groupStart(groupOf(ctx, inode.number)));
  }
  ctx.volume.writeInode(inode);
  addEntry(ctx.volume, ctx.allocator, dir, bytes, inode.number, DIRENT_TYPE.symlink);
  touchDirectory(ctx, dir);
}

/** The kinds of special file `mknod` makes. */
export type NodeKind = 'char-device' | 'block-device' | 'fifo' | 'socket';

/** Creates device node, FIFO or socket `name` in `dir`. */
export function mknodIn(ctx: MutationContext, dir: Inode, name: string, kind: NodeKind, major: number, minor: number, options: NewObjectOptions): void {
  const bytes = nameBytes(name);
  refuseInline(dir);
  if (findEntry(ctx.volume, dir, bytes)) throw new FsExistsError(`'${name}' already exists`);
  const format = { 'char-device': S_IFCHR, 'block-device': S_IFBLK, fifo: S_IFIFO, socket: S_IFSOCK }[kind];
  const inode = createInode(ctx, dir, format, 0o644, options);
  if (format === S_IFCHR || format === S_IFBLK) {
    if (major < 256 && minor < 256) setU32(inode.block, 0, (major << 8) | minor);
    else setU32(inode.block, 4, ((minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xff) << 12)) >>> 0);
  }
  ctx.volume.writeInode(inode);
  addEntry(ctx.volume, ctx.allocator, dir, bytes, inode.number, direntType(format));
  touchDirectory(ctx, dir);
}

/** Removes the entry `name` of `dir`: a non-directory, or an empty directory. */
export function removeIn(ctx: MutationContext, dir: Inode, name: string): void {
  refuseInline(dir);
  const record = findEntry(ctx.volume, dir, nameBytes(name));
  if (!record) throw new FsExistsError(`'${name}' does not exist`);
  unlinkRecord(ctx, dir, record);
  touchDirectory(ctx, dir);
}

/** Unlinks `record` from `dir` and releases its inode when no link is left. Directories must be empty. */
export function unlinkRecord(ctx: MutationContext, dir: Inode, record: DirRecord): void {
  const inode = ctx.volume.readInode(record.inode);
  const isDir = fileFormat(inode.mode) === S_IFDIR;
  if (isDir) {
    refuseInline(inode);
    const entries = readDirectory(ctx.volume, inode).filter((entry) => entry.name !== '.' && entry.name !== '..');
    if (entries.length > 0) throw new FsNotEmptyError(`directory '${record.name}' is not empty`);
  }
  removeEntry(ctx.volume, ctx.allocator, dir, record);
  if (isDir) dropLink(dir);
  inode.links = isDir ? 0 : Math.max(0, inode.links - 1);
  inode.ctime = ctx.now;
  if (inode.links > 0) {
    ctx.volume.writeInode(inode);
    return;
  }
  releaseInode(ctx, inode);
}

/** Frees the blocks, attribute block and number of an inode whose last link went. */
function releaseInode(ctx: MutationContext, inode: Inode): void {
  const format = fileFormat(inode.mode);
  const hasBlocks = format === S_IFREG || format === S_IFDIR || (format === S_IFLNK && inode.size >= I_BLOCK_BYTES);
  if (hasBlocks && !(inode.flags & INODE_FLAG.inlineData)) freeMap(ctx.allocator, readBlockMap(ctx.volume, inode));
  if (inode.fileAcl !== 0) releaseXattrBlock(ctx, inode.fileAcl);
  // e2fsck takes an inode with no links and a zero dtime for a damaged one: dtime must be set.
  inode.dtime = Math.max(1, ctx.now);
  inode.links = 0;
  inode.sectors = 0;
  inode.fileAcl = 0;
  ctx.volume.writeInode(inode);
  ctx.allocator.freeInode(inode.number, format === S_IFDIR);
}

/** Drops one reference to a shared extended-attribute block, freeing it with the last one. */
function releaseXattrBlock(ctx: MutationContext, block: number): void {
  ctx.volume.checkRange(block, 1, 'extended attribute block');
  const bytes = ctx.volume.modifyBlock(block, 'map');
  const refs = u32(bytes, 4);
  if (refs <= 1) {
    ctx.allocator.freeBlocks({ start: block, count: 1 });
    return;
  }
  setU32(bytes, 4, refs - 1);
  if (hasMetadataCsum(ctx.volume.sb)) {
    const copy = bytes.slice();
    setU32(copy, 0x10, 0);
    const number = new Uint8Array(8);
    setU32(number, 0, block % 0x1_0000_0000);
    setU32(number, 4, Math.floor(block / 0x1_0000_0000));
    setU32(bytes, 0x10, crc32cRaw(crc32cRaw(ctx.volume.sb.checksumSeed, number), copy));
  }
}

/** One more subdirectory in `dir` (dir_nlink: the count sticks at 1 past the limit). */
export function addLink(ctx: MutationContext, dir: Inode): void {
  if (dir.links === 1) return;
  if (dir.links + 1 >= MAX_LINKS) {
    if (!(ctx.volume.sb.roCompat & RO_COMPAT.dirNlink)) throw new FsUnsupportedError('too many subdirectories');
    dir.links = 1;
    return;
  }
  dir.links++;
}

export function dropLink(dir: Inode): void {
  if (dir.links > 2) dir.links--;
}

/** True when `mode` is a directory's. */
export function isDirectoryMode(mode: number): boolean {
  return (mode & S_IFMT) === S_IFDIR;
}
