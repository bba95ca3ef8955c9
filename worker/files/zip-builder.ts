/**
 * Zip archives of a folder of a disk's file system, produced piece by piece (fflate's streaming
 * `Zip`, synchronous deflate): `planZip` walks the tree once; `ZipBuilder.next` reads the next
 * piece of file data and returns the archive bytes it produced, so the page can stream a download
 * while the worker holds at most a chunk of data and its compressed bytes.
 *
 * Entries carry Unix modes (`unzip` restores them), folders end in `/`, symlinks are stored as
 * links (their target as content, as Info-ZIP does); device nodes, FIFOs and sockets are left out.
 * No Zip64: archives stay below 4 GiB and 65535 entries (`FilesZipLimitError` otherwise).
 */
import { type DeflateOptions, Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import type { FileStat, FileSystem } from '../../src/fs/file-system.ts';
import { FsTooLargeError } from '../../src/fs/errors.ts';
import { FilesZipLimitError } from '../../src/protocol/files-errors.ts';
import type { FileIdentity, ZipOptions } from '../../src/protocol/files.ts';
import { QedArgumentError } from '../../src/qed/errors.ts';
import { identityOf, joinPath, MAX_WALK_DEPTH, readChunk } from './operations.ts';

/** Most entries in an archive (the classic zip format's limit). */
export const MAX_ZIP_ENTRIES = 65535;
/** Largest archive, in bytes (32-bit offsets and sizes). */
export const MAX_ZIP_BYTES = 0xffff_ffff;
/** File data read per step, in bytes. */
const READ_STEP_BYTES = 1024 * 1024;
/** Bytes a zip entry adds besides its name and data (local header, data descriptor, central entry), with room to spare. */
const ENTRY_OVERHEAD_BYTES = 128;
/** Zip "version made by" host: Unix, so external attributes carry the mode. */
const OS_UNIX = 3;
/** The MS-DOS directory attribute bit. */
const DOS_DIRECTORY = 0x10;
/** Earliest and latest times a zip (MS-DOS) date can hold, in seconds since the epoch (1980-01-01 and 2099-12-31, UTC). */
const DOS_TIME_MIN_SECONDS = 315_532_800 + 86_400;
const DOS_TIME_MAX_SECONDS = 4_102_358_400;

/** One planned entry. */
export interface ZipEntryPlan {
  /** Name in the archive (folders end in `/`). */
  name: string;
  /** Path in the file system. */
  path: string;
  /** What it is. */
  type: 'file' | 'directory' | 'symlink';
  /** Permission and type bits. */
  mode: number;
  /** Modification time, seconds. */
  mtime: number;
  /** The version planned (files). */
  identity: FileIdentity;
  /** A symlink's target. */
  target?: string;
}

/** What `planZip` found. */
export interface ZipPlan {
  entries: ZipEntryPlan[];
  /** Bytes of file data. */
  dataBytes: number;
  /** Device nodes, FIFOs and sockets left out. */
  skipped: number;
}

/**
 * Plans the archive of `path` (a folder: its contents under the folder's name, or at the top for
 * `/`; a file: that file alone). Throws `FilesZipLimitError` beyond the format's limits.
 */
export function planZip(fs: FileSystem, path: string): ZipPlan {
  const plan: ZipPlan = { entries: [], dataBytes: 0, skipped: 0 };
  const stat = fs.stat(path);
  const base = path === '/' ? '' : lastComponent(path);
  if (stat.type !== 'directory') addEntry(plan, stat, path, base);
  else {
    if (base !== '') addEntry(plan, stat, path, `${base}/`);
    walk(fs, path, base === '' ? '' : `${base}/`, plan, 0);
  }
  const nameBytes = plan.entries.reduce((sum, entry) => sum + 2 * new TextEncoder().encode(entry.name).byteLength, 0);
  const estimate = plan.dataBytes + nameBytes + plan.entries.length * ENTRY_OVERHEAD_BYTES + 22;
  if (estimate > MAX_ZIP_BYTES) throw new FilesZipLimitError(`${path} holds ${plan.dataBytes} bytes: a zip archive without Zip64 stops at 4 GiB`);
  return plan;
}

/** Adds the contents of folder `path` (named `prefix` in the archive) to `plan`, depth first, by name. */
function walk(fs: FileSystem, path: string, prefix: string, plan: ZipPlan, depth: number): void {
  if (depth > MAX_WALK_DEPTH) throw new FsTooLargeError(`${path} is nested more than ${MAX_WALK_DEPTH} folders deep`);
  for (const entry of fs.list(path)) {
    const child = joinPath(path, entry.name);
    if (entry.type === 'directory') {
      addEntry(plan, entry, child, `${prefix}${entry.name}/`);
      walk(fs, child, `${prefix}${entry.name}/`, plan, depth + 1);
    } else {
      addEntry(plan, entry, child, `${prefix}${entry.name}`);
    }
  }
}

/** Adds one entry (or counts it as skipped). */
function addEntry(plan: ZipPlan, stat: FileStat, path: string, name: string): void {
  if (stat.type !== 'file' && stat.type !== 'directory' && stat.type !== 'symlink') {
    plan.skipped++;
    return;
  }
  if (plan.entries.length >= MAX_ZIP_ENTRIES) throw new FilesZipLimitError(`more than ${MAX_ZIP_ENTRIES} entries: a zip archive without Zip64 cannot hold them`);
  const entry: ZipEntryPlan = { name, path, type: stat.type, mode: stat.mode, mtime: stat.mtime, identity: identityOf(stat) };
  if (stat.type === 'symlink') entry.target = stat.target ?? '';
  if (stat.type === 'file') plan.dataBytes += stat.size;
  plan.entries.push(entry);
}

/** The last component of an absolute path. */
function lastComponent(path: string): string {
  const parts = path.split('/').filter((part) => part !== '');
  return parts[parts.length - 1] ?? '';
}

/** A zip archive under way; see the module comment. */
export class ZipBuilder {
  readonly #plan: ZipPlan;
  readonly #options: Required<ZipOptions>;
  readonly #zip: Zip;
  readonly #output: Uint8Array[] = [];
  #outputBytes = 0;
  #failure: Error | null = null;
  #finished = false;
  /** Index of the entry being written, and its stream and position when it is a file. */
  #index = 0;
  #current: { stream: ZipDeflate | ZipPassThrough; entry: ZipEntryPlan; offset: number } | null = null;
  #ended = false;

  /** Starts the archive of `plan`. */
  constructor(plan: ZipPlan, options: ZipOptions = {}) {
    const compression = options.compression ?? 'deflate';
    if (compression !== 'deflate' && compression !== 'store') throw new QedArgumentError(`zip compression must be deflate or store, got ${String(compression)}`);
    const level = options.level ?? 6;
    if (!Number.isInteger(level) || level < 1 || level > 9) throw new QedArgumentError(`zip level must be 1 to 9, got ${String(level)}`);
    this.#plan = plan;
    this.#options = { compression, level };
    this.#zip = new Zip((error, chunk, final) => {
      if (error) {
        this.#failure = error;
        return;
      }
      if (chunk.byteLength > 0) {
        this.#output.push(chunk);
        this.#outputBytes += chunk.byteLength;
      }
      if (final) this.#finished = true;
    });
  }

  /**
   * The next bytes of the archive, at least `minBytes` unless it ends first, reading file data
   * from `fs`; null once everything was returned. Throws `FilesChangedError` when a file changed
   * since the plan.
   */
  next(fs: FileSystem, minBytes: number): Uint8Array<ArrayBuffer> | null {
    while (this.#outputBytes < minBytes && !this.#ended) this.#step(fs);
    if (this.#failure) throw this.#failure;
    if (this.#outputBytes === 0) return null;
    const bytes = new Uint8Array(this.#outputBytes);
    let at = 0;
    for (const chunk of this.#output) {
      bytes.set(chunk, at);
      at += chunk.byteLength;
    }
    this.#output.length = 0;
    this.#outputBytes = 0;
    return bytes;
  }

  /** Adds the next entry, or the next piece of the current file, or ends the archive. */
  #step(fs: FileSystem): void {
    if (this.#failure) throw this.#failure;
    if (this.#current) {
      const { stream, entry, offset } = this.#current;
      const chunk = readChunk(fs, entry.path, offset, READ_STEP_BYTES, entry.identity);
      const done = offset + chunk.bytes.byteLength >= entry.identity.size || chunk.bytes.byteLength === 0;
      stream.push(chunk.bytes, done);
      this.#current = done ? null : { stream, entry, offset: offset + chunk.bytes.byteLength };
      return;
    }
    const entry = this.#plan.entries[this.#index++];
    if (!entry) {
      this.#zip.end();
      this.#ended = true;
      if (!this.#finished && !this.#failure) this.#failure = new FilesZipLimitError('the zip writer did not finish the archive');
      return;
    }
    const stream = entry.type === 'file' && this.#options.compression === 'deflate' ? new ZipDeflate(entry.name, { level: this.#options.level as DeflateOptions['level'] }) : new ZipPassThrough(entry.name);
    stream.os = OS_UNIX;
    stream.attrs = (((entry.mode & 0xffff) << 16) | (entry.type === 'directory' ? DOS_DIRECTORY : 0)) >>> 0;
    stream.mtime = new Date(Math.min(DOS_TIME_MAX_SECONDS, Math.max(DOS_TIME_MIN_SECONDS, entry.mtime)) * 1000);
    this.#zip.add(stream);
    if (entry.type === 'file' && entry.identity.size > 0) this.#current = { stream, entry, offset: 0 };
    else stream.push(entry.type === 'symlink' ? new TextEncoder().encode(entry.target ?? '') : new Uint8Array(0), true);
  }
}
