/** Path resolution on ext: components to inodes, following symlinks with a hop limit. */
import { u32 } from '../bytes.ts';
import { FsCorruptionError, FsInvalidPathError, FsNotADirectoryError, FsNotFoundError } from '../errors.ts';
import { joinPath } from '../path.ts';
import { readBlockMap } from './block-map.ts';
import { I_BLOCK_BYTES, INODE_FLAG, ROOT_INODE, S_IFDIR, S_IFLNK } from './constants.ts';
import type { DirRecord } from './directory.ts';
import { findEntry } from './directory.ts';
import { readRange } from './file-data.ts';
import type { Inode } from './inode.ts';
import { fileFormat } from './inode.ts';
import type { ExtVolume } from './volume.ts';

/** Symlinks followed while resolving one path, as Linux' MAXSYMLINKS. */
const MAX_SYMLINK_HOPS = 40;
/** Longest name in one directory entry, in bytes. */
export const MAX_NAME_BYTES = 255;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/** The UTF-8 bytes of directory entry name `name`; throws `FsInvalidPathError` for a name ext cannot store. */
export function nameBytes(name: string): Uint8Array {
  const bytes = encoder.encode(name);
  if (bytes.length === 0 || bytes.length > MAX_NAME_BYTES) throw new FsInvalidPathError(`name '${name}' must be 1 to ${MAX_NAME_BYTES} bytes long`);
  if (name === '.' || name === '..' || name.includes('/') || name.includes('\0')) throw new FsInvalidPathError(`'${name}' cannot be a file name`);
  return bytes;
}

/** The target of symlink `inode`. */
export function readSymlink(volume: ExtVolume, inode: Inode): string {
  if (inode.size > volume.blockSize) throw new FsCorruptionError(`symlink inode ${inode.number} claims a ${inode.size}-byte target`);
  if (inode.flags & INODE_FLAG.inlineData) return decoder.decode(inode.block.subarray(0, Math.min(inode.size, I_BLOCK_BYTES)));
  // Fast symlinks are told apart by size alone, as e2fsprogs does.
  if (inode.size < I_BLOCK_BYTES) return decoder.decode(inode.block.subarray(0, inode.size));
  const target = new Uint8Array(inode.size);
  readRange(volume, readBlockMap(volume, inode).runs, inode.size, 0, target);
  return decoder.decode(target);
}

/** An inode found by path, with the entry that named it (null for the root). */
export interface Resolved {
  inode: Inode;
  parent: Inode | null;
  record: DirRecord | null;
}

/**
 * Resolves the components `parts` from the root. Symlinks in the middle are followed; the final
 * one only when `followLast`. Throws `FsNotFoundError`, `FsNotADirectoryError`, or
 * `FsCorruptionError` after too many symlinks.
 */
export function resolve(volume: ExtVolume, parts: readonly string[], followLast: boolean): Resolved {
  const pending = [...parts];
  const done: string[] = [];
  let current: Resolved = { inode: volume.readInode(ROOT_INODE), parent: null, record: null };
  const stack: Resolved[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const name = pending.shift()!;
    if (fileFormat(current.inode.mode) !== S_IFDIR) throw new FsNotADirectoryError(`${joinPath(done)} is not a directory`);
    if (name === '..') {
      current = stack.pop() ?? current;
      done.pop();
      continue;
    }
    const record = findEntry(volume, current.inode, nameBytes(name));
    if (!record) throw new FsNotFoundError(`${joinPath([...done, name])}: no such file or directory`);
    const inode = volume.readInode(record.inode);
    if (fileFormat(inode.mode) === S_IFLNK && (pending.length > 0 || followLast)) {
      if (++hops > MAX_SYMLINK_HOPS) throw new FsCorruptionError(`${joinPath([...done, name])}: too many levels of symbolic links`);
      const target = readSymlink(volume, inode);
      const targetParts = target.split('/').filter((part) => part !== '' && part !== '.');
      pending.unshift(...targetParts);
      if (target.startsWith('/')) {
        current = { inode: volume.readInode(ROOT_INODE), parent: null, record: null };
        stack.length = 0;
        done.length = 0;
      }
      continue;
    }
    stack.push(current);
    done.push(name);
    current = { inode, parent: current.inode, record };
  }
  return current;
}

/** Resolves `parts` to a directory inode (following symlinks); throws `FsNotADirectoryError` otherwise. */
export function resolveDirectory(volume: ExtVolume, parts: readonly string[]): Inode {
  const { inode } = resolve(volume, parts, true);
  if (fileFormat(inode.mode) !== S_IFDIR) throw new FsNotADirectoryError(`${joinPath(parts)} is not a directory`);
  return inode;
}

/** Device numbers stored in `i_block` of a device node (old or new encoding, as Linux writes them). */
export function deviceNumbers(inode: Inode): { major: number; minor: number } {
  const old = u32(inode.block, 0);
  if (old !== 0) return { major: (old >>> 8) & 0xff, minor: old & 0xff };
  const dev = u32(inode.block, 4);
  return { major: (dev >>> 8) & 0xfff, minor: (dev & 0xff) | ((dev >>> 12) & 0xfff00) };
}
