/** FAT12/16/32 with VFAT long names behind the common `FileSystem` interface. */
import type { BlockDevice } from '../block-device.ts';
import { isWritable } from '../block-device.ts';
import { FsExistsError, FsInvalidPathError, FsIsADirectoryError, FsNotADirectoryError, FsNotEmptyError, FsNotFoundError, FsReadOnlyError, FsTooLargeError, FsUnsupportedError } from '../errors.ts';
import type { CreateOptions, DataSource, DirEntry, FileReader, FileStat, FileSystem, FileSystemKind, FsUsage, WriteFileOptions } from '../file-system.ts';
import { asSource } from '../pending-data.ts';
import { splitParent, splitPath } from '../path.ts';
import { chunksOf } from '../file-reader.ts';
import { clusterOffset } from './boot-sector.ts';
import type { FatDir, FatRecord } from './directory.ts';
import { ATTR, deleteSlots, findRecord, putSlot, records, reserveSlots, setSlotCluster, shortEntry, slotMtime, unixToFat } from './directory.ts';
import { FatVolume } from './fat-volume.ts';
import { clustersOf, readRange, writeData } from './file-data.ts';
import { directory, isInside, locate } from './lookup.ts';
import { caseFlaggedShortName, checkLongName, generateShortName, longNameEntries, shortNameText } from './names.ts';

/** Options for opening a FAT file system. */
export interface FatOpenOptions {
  readOnly?: boolean;
  /** Clock for the times qedisk sets, seconds since the epoch (written as UTC). */
  now?: () => number;
}

/** Largest FAT file: 4 GiB - 1. */
const MAX_FAT_FILE_BYTES = 0xffffffff;
const DEFAULT_CHUNK_BYTES = 1024 * 1024;
/** No clusters to keep out of an allocation: frees are deferred to the commit, so none is needed. */
const NOTHING: ReadonlySet<number> = new Set();

/** An open FAT file system. */
export class FatFileSystem implements FileSystem {
  readonly kind: FileSystemKind;
  readonly readOnly: boolean;
  readonly label: string;
  readonly #volume: FatVolume;
  readonly #now: () => number;

  constructor(device: BlockDevice, options: FatOpenOptions = {}) {
    this.#volume = new FatVolume(device);
    this.kind = `fat${this.#volume.geometry.type}` as FileSystemKind;
    this.label = this.#volume.geometry.label === 'NO NAME' ? '' : this.#volume.geometry.label;
    this.readOnly = options.readOnly === true || !isWritable(device);
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000));
  }

  /** Bytes read so far (for tests that bound work). */
  get counters(): { bytesRead: number } {
    return this.#volume.counters;
  }

  list(path: string): DirEntry[] {
    const dir = directory(this.#volume, splitPath(path));
    const result = records(dir).map((record) => this.#stat(dir, record));
    this.#volume.rollback();
    return result.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  stat(path: string): FileStat {
    const parts = splitPath(path);
    const { dir, record } = locate(this.#volume, parts);
    this.#volume.rollback();
    if (!dir || !record) return { name: '/', type: 'directory', size: 0, mode: 0o40755, uid: 0, gid: 0, mtime: 0, links: 1, id: this.#volume.rootCluster };
    return this.#stat(dir, record);
  }

  readFile(path: string): Uint8Array {
    const record = this.#file(path);
    const target = new Uint8Array(record.size);
    this.readFileInto(path, 0, target);
    return target;
  }

  readFileInto(path: string, offset: number, target: Uint8Array): number {
    return this.openReader(path).read(offset, target);
  }

  openReader(path: string): FileReader {
    const record = this.#file(path);
    const clusters = clustersOf(this.#volume, record);
    return {
      size: record.size,
      read: (offset, target) => {
        if (!Number.isSafeInteger(offset) || offset < 0) throw new FsInvalidPathError(`bad offset ${offset}`);
        return readRange(this.#volume, clusters, record.size, offset, target);
      },
    };
  }

  *readFileChunks(path: string, chunkBytes = DEFAULT_CHUNK_BYTES): Generator<Uint8Array, void, void> {
    yield* chunksOf(this.openReader(path), chunkBytes);
  }

  readlink(path: string): string {
    throw new FsInvalidPathError(`${path} is not a symbolic link (FAT has none)`);
  }

  writeFile(path: string, content: Uint8Array | DataSource, options: WriteFileOptions = {}): void {
    const data = asSource(content);
    if (data.size > MAX_FAT_FILE_BYTES) throw new FsTooLargeError(`FAT files hold at most ${MAX_FAT_FILE_BYTES} bytes`);
    const { parent, name } = splitParent(path);
    checkLongName(name);
    this.#mutate('grow', options.parents === true, parent, (dir) => {
      const existing = findRecord(dir, name);
      if (existing && existing.attr & ATTR.directory) throw new FsIsADirectoryError(`${path} is a directory`);
      const g = this.#volume.geometry;
      // The old chain is freed only at the commit, so the new data never lands in it.
      const avoid = NOTHING;
      if (existing) this.#volume.freeChainLater(existing.cluster);
      const clusters = this.#volume.fat.allocate(Math.ceil(data.size / g.clusterBytes), avoid);
      writeData(this.#volume, clusters, data);
      if (existing) deleteSlots(dir, existing.firstSlot, existing.slot);
      this.#addEntry(dir, name, ATTR.archive, clusters[0] ?? 0, data.size, options.mtime ?? this.#now(), avoid);
    });
  }

  mkdir(path: string, options: CreateOptions = {}): void {
    const { parent, name } = splitParent(path);
    checkLongName(name);
    if (options.parents) {
      try {
        if (this.stat(path).type === 'directory') return;
      } catch {
        // Missing: create it below.
      }
    }
    this.#mutate('grow', options.parents === true, parent, (dir) => this.#mkdirIn(dir, name, options.mtime ?? this.#now()));
  }

  symlink(): void {
    throw new FsUnsupportedError('FAT file systems have no symbolic links');
  }

  rm(path: string): void {
    const { parent, name } = splitParent(path);
    this.#mutate('shrink', false, parent, (dir) => {
      const record = findRecord(dir, name);
      if (!record || name === '.' || name === '..') throw new FsNotFoundError(`${path}: no such file or directory`);
      if (record.attr & ATTR.directory && records(this.#volume.dir(record.cluster)).length > 0) throw new FsNotEmptyError(`directory ${path} is not empty`);
      deleteSlots(dir, record.firstSlot, record.slot);
      this.#volume.freeChainLater(record.cluster);
    });
  }

  rename(from: string, to: string): void {
    const source = splitParent(from);
    const target = splitParent(to);
    checkLongName(target.name);
    this.#mutate('shrink', false, source.parent, (fromDir) => {
      const record = findRecord(fromDir, source.name);
      if (!record) throw new FsNotFoundError(`${from}: no such file or directory`);
      const toDir = directory(this.#volume, target.parent);
      const isDir = (record.attr & ATTR.directory) !== 0;
      if (isDir && isInside(this.#volume, toDir.cluster, record.cluster)) throw new FsInvalidPathError('cannot move a directory into itself');
      const existing = findRecord(toDir, target.name);
      if (existing && toDir === fromDir && existing.slot === record.slot) {
        if (existing.name === target.name) return;
      } else if (existing) {
        const existingIsDir = (existing.attr & ATTR.directory) !== 0;
        if (existingIsDir && !isDir) throw new FsIsADirectoryError(`${to} is a directory`);
        if (!existingIsDir && isDir) throw new FsNotADirectoryError(`${to} is not a directory`);
        if (existingIsDir && records(this.#volume.dir(existing.cluster)).length > 0) throw new FsNotEmptyError(`directory ${to} is not empty`);
        deleteSlots(toDir, existing.firstSlot, existing.slot);
        this.#volume.freeChainLater(existing.cluster);
      }
      const entry = fromDir.bytes.slice(record.slot * 32, record.slot * 32 + 32);
      deleteSlots(fromDir, record.firstSlot, record.slot);
      const slot = this.#addEntry(toDir, target.name, entry[11]!, record.cluster, record.size, slotMtime(fromDir, record.slot), NOTHING);
      toDir.bytes.set(entry.subarray(13, 26), slot * 32 + 13);
      if (isDir && toDir.cluster !== fromDir.cluster) {
        const moved = this.#volume.dir(record.cluster);
        const dotdot = records(moved, true).find((r) => r.shortName === '..');
        if (dotdot) setSlotCluster(moved, dotdot.slot, toDir.cluster === this.#volume.rootCluster ? 0 : toDir.cluster);
      }
    });
  }

  usage(): FsUsage {
    const g = this.#volume.geometry;
    return { blockSize: g.clusterBytes, totalBytes: g.clusterCount * g.clusterBytes, freeBytes: this.#volume.fat.freeClusters * g.clusterBytes, freeInodes: null };
  }

  flush(): void {
    this.#volume.device.flush?.();
  }

  #mutate(shape: 'grow' | 'shrink', parents: boolean, parentParts: readonly string[], action: (dir: FatDir) => void): void {
    if (this.readOnly) throw new FsReadOnlyError('file system is read-only');
    if (parents) {
      for (let depth = 1; depth <= parentParts.length; depth++) {
        const prefix = parentParts.slice(0, depth);
        try {
          directory(this.#volume, prefix);
          this.#volume.rollback();
          continue;
        } catch (error) {
          this.#volume.rollback();
          if (!(error instanceof FsNotFoundError)) throw error;
        }
        this.#mutate('grow', false, prefix.slice(0, -1), (dir) => this.#mkdirIn(dir, prefix[prefix.length - 1]!, this.#now()));
      }
    }
    try {
      action(directory(this.#volume, parentParts));
      this.#volume.commit(shape);
    } catch (error) {
      this.#volume.rollback();
      throw error;
    }
  }

  #mkdirIn(dir: FatDir, name: string, mtime: number): void {
    checkLongName(name);
    if (findRecord(dir, name)) throw new FsExistsError(`'${name}' already exists`);
    const g = this.#volume.geometry;
    const avoid = NOTHING;
    const [cluster] = this.#volume.fat.allocate(1, avoid) as [number];
    const { date, time } = unixToFat(mtime);
    const block = new Uint8Array(g.clusterBytes);
    block.set(shortEntry(dotName('.'), ATTR.directory, cluster, 0, date, time), 0);
    block.set(shortEntry(dotName('..'), ATTR.directory, dir.cluster === this.#volume.rootCluster ? 0 : dir.cluster, 0, date, time), 32);
    this.#volume.writeData(clusterOffset(g, cluster), block);
    this.#addEntry(dir, name, ATTR.directory, cluster, 0, mtime, avoid);
  }

  /** Adds `name` (long-name entries when needed, then the short entry) to `dir`; returns the short entry's slot. */
  #addEntry(dir: FatDir, name: string, attr: number, cluster: number, size: number, mtime: number, avoid: ReadonlySet<number>): number {
    const taken = new Set(records(dir, true).map((record) => record.shortName));
    const flagged = caseFlaggedShortName(name);
    const plain = flagged && !taken.has(shortNameText(flagged.raw)) ? flagged : null;
    const shortName = plain ? plain.raw : generateShortName(name, taken);
    const longEntries = plain ? [] : longNameEntries(name, shortName);
    const first = reserveSlots(dir, longEntries.length + 1, this.#volume.geometry, this.#volume.fat, avoid);
    longEntries.forEach((entry, i) => putSlot(dir, first + i, entry));
    const { date, time } = unixToFat(mtime);
    const entry = shortEntry(shortName, attr, cluster, size, date, time);
    entry[12] = plain ? plain.flags : 0;
    putSlot(dir, first + longEntries.length, entry);
    return first + longEntries.length;
  }

  #file(path: string): FatRecord {
    const { record } = locate(this.#volume, splitPath(path));
    this.#volume.rollback();
    if (!record) throw new FsIsADirectoryError(`${path} is a directory`);
    if (record.attr & ATTR.directory) throw new FsIsADirectoryError(`${path} is a directory`);
    return record;
  }

  #stat(dir: FatDir, record: FatRecord): FileStat {
    const isDir = (record.attr & ATTR.directory) !== 0;
    const mode = isDir ? 0o40755 : record.attr & ATTR.readOnly ? 0o100444 : 0o100644;
    return { name: record.name, type: isDir ? 'directory' : 'file', size: isDir ? 0 : record.size, mode, uid: 0, gid: 0, mtime: slotMtime(dir, record.slot), links: 1, id: record.cluster };
  }
}

function dotName(name: '.' | '..'): Uint8Array {
  const raw = new Uint8Array(11).fill(0x20);
  raw[0] = 0x2e;
  if (name === '..') raw[1] = 0x2e;
  return raw;
}
