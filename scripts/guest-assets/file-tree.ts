/**
 * A file tree in memory, the one input of both the initramfs (cpio) and the base image (ext2):
 * files, directories and symlinks with their mode, owner and time. Every entry gets the build's
 * fixed owner (root) and time unless told otherwise, and `entries()` lists them in one fixed order,
 * so the same additions give the same archive or image.
 */
import { BUILD_TIME_S } from './config.ts';
import { GuestAssetsFormatError } from './errors.ts';

/** One file, directory or symlink. */
export interface TreeEntry {
  /** Path relative to the root, components joined with `/`, no leading `/` ('' is the root). */
  path: string;
  /** What it is. */
  type: 'file' | 'directory' | 'symlink';
  /** Permission bits (without type bits), e.g. 0o755. */
  mode: number;
  /** Owner user id. */
  uid: number;
  /** Owner group id. */
  gid: number;
  /** Modification time, seconds since the epoch. */
  mtime: number;
  /** A file's content (shared, not copied: do not change it); empty for the others. */
  data: Uint8Array;
  /** A symlink's target, else ''. */
  target: string;
}

/** Mode, owner and time of a new entry; missing values take the tree's defaults. */
export interface EntryOptions {
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
}

/** Checks `path` is relative, without empty, `.` or `..` components; returns it. */
function checkPath(path: string): string {
  if (path === '') return path;
  const parts = path.split('/');
  if (parts.some((part) => part === '' || part === '.' || part === '..')) throw new GuestAssetsFormatError(`bad path in the file tree: ${JSON.stringify(path)}`);
  return path;
}

/** The parent of `path` ('' for a top-level entry). */
function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** A tree with a root directory (0755, root:root, the build's time). */
export class FileTree {
  readonly #entries = new Map<string, TreeEntry>();
  readonly #mtime: number;

  /** An empty tree whose entries get `mtime` (default the build's fixed time). */
  constructor(mtime: number = BUILD_TIME_S) {
    this.#mtime = mtime;
    this.#put({ path: '', type: 'directory', mode: 0o755, uid: 0, gid: 0, mtime, data: new Uint8Array(0), target: '' });
  }

  /** Adds (or updates the mode/owner of) the directory `path` and any missing parents (0755). */
  addDirectory(path: string, options: EntryOptions = {}): void {
    checkPath(path);
    const existing = this.#entries.get(path);
    if (existing && existing.type !== 'directory') throw new GuestAssetsFormatError(`${path} is already a ${existing.type}`);
    this.#ensureParents(path);
    this.#put(this.#entry(path, 'directory', 0o755, options, new Uint8Array(0), ''));
  }

  /** Adds or replaces the file `path` holding `data` (default mode 0644), creating missing parents. */
  addFile(path: string, data: Uint8Array, options: EntryOptions = {}): void {
    this.#addLeaf(this.#entry(checkPath(path), 'file', 0o644, options, data, ''));
  }

  /** Adds or replaces a symlink at `path` pointing to `target` (mode 0777), creating missing parents. */
  addSymlink(path: string, target: string, options: EntryOptions = {}): void {
    if (target === '') throw new GuestAssetsFormatError(`symlink ${path} has an empty target`);
    this.#addLeaf(this.#entry(checkPath(path), 'symlink', 0o777, options, new Uint8Array(0), target));
  }

  /** The entry at `path`, if any. */
  get(path: string): TreeEntry | undefined {
    return this.#entries.get(path);
  }

  /** Every entry, the root first, then by path compared as UTF-16 code units (parents before children). */
  entries(): TreeEntry[] {
    return [...this.#entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  #addLeaf(entry: TreeEntry): void {
    if (entry.path === '') throw new GuestAssetsFormatError('the root is a directory');
    const existing = this.#entries.get(entry.path);
    if (existing?.type === 'directory') throw new GuestAssetsFormatError(`${entry.path} is already a directory`);
    this.#ensureParents(entry.path);
    this.#put(entry);
  }

  #ensureParents(path: string): void {
    const parent = parentOf(path);
    if (path === '' || this.#entries.get(parent)?.type === 'directory') return;
    if (this.#entries.has(parent)) throw new GuestAssetsFormatError(`${parent} is not a directory`);
    this.addDirectory(parent);
  }

  #entry(path: string, type: TreeEntry['type'], mode: number, options: EntryOptions, data: Uint8Array, target: string): TreeEntry {
    return { path, type, mode: (options.mode ?? mode) & 0o7777, uid: options.uid ?? 0, gid: options.gid ?? 0, mtime: options.mtime ?? this.#mtime, data, target };
  }

  #put(entry: TreeEntry): void {
    this.#entries.set(entry.path, entry);
  }
}
