/**
 * The files API's operations on an open `FileSystem`, synchronous, as the worker runs them inside
 * a disk's queue: reads in chunks that notice a changed file, and the write operations in the
 * shape `safeWrite` runs (each takes its file data through the `data` hook).
 */
import type { DataSource, FileStat, FileSystem } from '../../src/fs/file-system.ts';
import { FsInvalidPathError, FsIsADirectoryError, FsTooLargeError } from '../../src/fs/errors.ts';
import { FilesChangedError } from '../../src/protocol/files-errors.ts';
import type { FileIdentity, FilesMkdirOptions, FilesRmOptions, FilesWriteOptions, ReadChunk } from '../../src/protocol/files.ts';
import { QedArgumentError } from '../../src/qed/errors.ts';
import type { WriteOperation } from './safe-write.ts';

/** Largest chunk one `read` returns, in bytes. */
export const MAX_READ_CHUNK_BYTES = 16 * 1024 * 1024;
/** Most entries a recursive removal visits (files and folders). */
export const MAX_RECURSIVE_ENTRIES = 1_000_000;
/** Deepest folder nesting a recursive walk descends into. */
export const MAX_WALK_DEPTH = 256;

/** The identity of `stat`'s version of a file. */
export function identityOf(stat: FileStat): FileIdentity {
  return { id: stat.id, size: stat.size, mtime: stat.mtime };
}

/** True when two identities name the same version of a file. */
export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.id === b.id && a.size === b.size && a.mtime === b.mtime;
}

/**
 * Up to `length` bytes of file `path` from `offset` (fewer at the end), with the file's identity.
 * `FilesChangedError` when `expected` is given and the file is another version now;
 * `FsIsADirectoryError` for a folder.
 */
export function readChunk(fs: FileSystem, path: string, offset: number, length: number, expected: FileIdentity | null): ReadChunk {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new QedArgumentError(`read offset ${String(offset)} must be a non-negative integer`);
  if (!Number.isSafeInteger(length) || length < 0 || length > MAX_READ_CHUNK_BYTES) {
    throw new QedArgumentError(`read length ${String(length)} must be an integer from 0 to ${MAX_READ_CHUNK_BYTES}`);
  }
  const stat = fs.stat(path);
  if (stat.type === 'directory') throw new FsIsADirectoryError(`${path} is a directory`);
  const file = identityOf(stat);
  if (expected !== null && !sameIdentity(file, expected)) throw new FilesChangedError(`${path} changed while it was being read (it was written, replaced or removed): read it again`);
  const bytes = new Uint8Array(Math.max(0, Math.min(length, stat.size - offset)));
  let done = 0;
  while (done < bytes.byteLength) {
    const count = fs.readFileInto(path, offset + done, bytes.subarray(done));
    if (count <= 0) break;
    done += count;
  }
  return { bytes: done === bytes.byteLength ? bytes : bytes.slice(0, done), file };
}

/** The write of file `path` from `source` (created or replaced), returning its new metadata. */
export function writeOperation(path: string, source: DataSource, options: FilesWriteOptions): WriteOperation<FileStat> {
  const createOptions = createOptionsOf(options);
  return (fs, data) => {
    fs.writeFile(path, data(source), createOptions);
    return fs.stat(path);
  };
}

/** The creation of folder `path`. */
export function mkdirOperation(path: string, options: FilesMkdirOptions): WriteOperation<void> {
  const createOptions = { ...(options.mode === undefined ? {} : { mode: checkedMode(options.mode) }), ...(options.parents ? { parents: true } : {}) };
  return (fs) => fs.mkdir(path, createOptions);
}

/** The removal of `path` (with `recursive`, a folder and everything in it, deepest first). */
export function rmOperation(path: string, options: FilesRmOptions): WriteOperation<void> {
  return (fs) => {
    const stat = fs.stat(path); // FsNotFoundError for a missing path, whatever the file system says on removal
    if (options.recursive && stat.type === 'directory') removeTree(fs, path, 0, { visited: 0 });
    else fs.rm(path);
  };
}

/** The move of `from` to `to`. */
export function renameOperation(from: string, to: string): WriteOperation<void> {
  return (fs) => {
    fs.stat(from); // FsNotFoundError for a missing source, whatever the file system says on the move
    fs.rename(from, to);
  };
}

/** Removes everything in folder `path`, then the folder. */
function removeTree(fs: FileSystem, path: string, depth: number, count: { visited: number }): void {
  if (depth > MAX_WALK_DEPTH) throw new FsTooLargeError(`${path} is nested more than ${MAX_WALK_DEPTH} folders deep`);
  for (const entry of fs.list(path)) {
    if (++count.visited > MAX_RECURSIVE_ENTRIES) throw new FsTooLargeError(`a recursive removal stops after ${MAX_RECURSIVE_ENTRIES} entries`);
    const child = joinPath(path, entry.name);
    if (entry.type === 'directory') removeTree(fs, child, depth + 1, count);
    else fs.rm(child);
  }
  if (path !== '/') fs.rm(path);
}

/** `name` inside folder `folder`. */
export function joinPath(folder: string, name: string): string {
  return folder.endsWith('/') ? `${folder}${name}` : `${folder}/${name}`;
}

/** The file system's creation options from the page's write options, checked. */
function createOptionsOf(options: FilesWriteOptions): { mode?: number; mtime?: number; parents?: boolean } {
  const result: { mode?: number; mtime?: number; parents?: boolean } = {};
  if (options.mode !== undefined) result.mode = checkedMode(options.mode);
  if (options.mtime !== undefined) {
    if (!Number.isSafeInteger(options.mtime) || options.mtime < 0 || options.mtime > 0xffffffff) throw new QedArgumentError(`mtime ${String(options.mtime)} must be whole seconds from 0 to 2^32-1`);
    result.mtime = options.mtime;
  }
  if (options.parents) result.parents = true;
  return result;
}

/** `mode` when it is permission bits (0 to 0o7777); `QedArgumentError` otherwise. */
function checkedMode(mode: number): number {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw new QedArgumentError(`mode ${String(mode)} must be permission bits from 0 to 0o7777`);
  return mode;
}

/** `path` when it is a string starting with `/`; `FsInvalidPathError` otherwise (the file system checks the rest). */
export function checkedPath(path: unknown): string {
  if (typeof path !== 'string' || !path.startsWith('/')) throw new FsInvalidPathError(`a path must be an absolute string such as "/etc/hostname", got ${typeof path === 'string' ? JSON.stringify(path.slice(0, 200)) : typeof path}`);
  return path;
}
