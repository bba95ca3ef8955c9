/**
 * The files API: the file system on a qedisk disk (ext2/3/4 or FAT12/16/32, on the whole disk or
 * in an MBR/GPT partition), read and written from the page without booting a guest.
 *
 * ```ts
 * const files = await openFiles('student-1');            // or { partition: 2 }, { snapshot: id }
 * for (const entry of await files.ls('/home')) console.log(entry.name, entry.type, entry.size);
 * const text = new TextDecoder().decode(await files.readFile('/etc/hostname'));
 * await files.writeFile('/home/notes.txt', fileFromAnInput, { parents: true });
 * const { stream } = await files.zip('/home');            // a zip archive, streamed
 * ```
 *
 * Works on any disk of the origin by name: open in this page (requests run between its block
 * requests) or closed (the worker opens it for a moment, under its lock: another tab holding it
 * gives `DiskBusyError`). While a VM uses the disk (`toV86Disk`, until `detach()` or close),
 * writes fail with `DiskAttachedError` and reads go through a snapshot (see `snapshot`).
 */
import { FsTooLargeError } from '../fs/errors.ts';
import type { FileStat } from '../fs/file-system.ts';
import type { FileEntry, FileIdentity, FilesMkdirOptions, FilesRmOptions, FilesTarget, FilesWriteOptions, PartitionInfo, VolumeInfo, ZipOptions } from '../protocol/files.ts';
import { validateDiskName } from '../protocol/disk-name.ts';
import { QedArgumentError } from '../qed/errors.ts';
import { type FileData, blobFromData, blobOf, checkedChunkBytes, fileChunks, streamOf } from './files/byte-streams.ts';
import { ReadingPin } from './files/reading-pin.ts';
import { callWorker } from './worker-connection.ts';

export type { FileData } from './files/byte-streams.ts';

/** Largest file `readFile` returns in one buffer, in bytes (stream larger ones). */
export const MAX_READ_FILE_BYTES = 2 ** 31;

/** Options of `openFiles` and `listPartitions`. */
export interface OpenFilesOptions {
  /** Partition number from 1, as `listPartitions` numbers them; default: the whole disk, else the only partition with a file system. */
  partition?: number;
  /** Read this snapshot of the disk (its id, from `listSnapshots`) instead of the live disk; writes then fail with `FsReadOnlyError`. */
  snapshot?: string;
  /** Origins besides the page's that the HTTP base of a closed disk may come from (as `openDisk` takes them). */
  allowedOrigins?: string[];
}

/** Options of reads in chunks. */
export interface ReadChunksOptions {
  /** Bytes per chunk asked of the worker, 1 to 16 MiB; default 1 MiB. */
  chunkBytes?: number;
}

/** A zip archive of a folder, being produced. */
export interface ZipDownload {
  /** The archive's bytes; pull them (a download, `new Response(stream).blob()`); cancelling stops the worker. */
  stream: ReadableStream<Uint8Array<ArrayBuffer>>;
  /** Files, links and folders in it. */
  entries: number;
  /** Bytes of file data in it, before compression. */
  dataBytes: number;
}

/**
 * Opens the file system on disk `diskName` (read its kind, label and space; nothing is kept
 * open). Rejects with `FsNotAFileSystemError` (none found; the message lists the partitions),
 * `FsAmbiguousError` (several partitions hold one: pass `partition`), `FsUnsupportedError`,
 * `DiskNotFoundError`, `DiskBusyError` (another tab has the disk), `SnapshotNotFoundError`, ...
 * On a disk a VM uses, the handle reads a snapshot from the start.
 */
export async function openFiles(diskName: string, options: OpenFilesOptions = {}): Promise<DiskFiles> {
  const files = new DiskFiles(targetOf(diskName, options));
  await files.volume();
  return files;
}

/**
 * The partitions of disk `diskName` (MBR with logical partitions, or GPT), numbered as Linux and
 * `sfdisk` number them, each with the file system found in it (or null); empty when the disk has
 * no partition table. On a disk a VM uses, reads a snapshot.
 */
export async function listPartitions(diskName: string, options: Omit<OpenFilesOptions, 'partition'> = {}): Promise<PartitionInfo[]> {
  const pin = new ReadingPin(targetOf(diskName, options));
  return pin.read((target) => callWorker(diskName, (api) => api.files.partitions(target)));
}

/** The file system on one disk (and partition, or snapshot). Paths are absolute: `/`, `/etc/passwd`. See the module comment. */
export class DiskFiles {
  /** The disk's name. */
  readonly diskName: string;
  /** The partition asked for, or undefined (the whole disk, else the only one with a file system; `info.partition` tells which). */
  readonly partition: number | undefined;
  readonly #pin: ReadingPin;
  #info: VolumeInfo | null = null;

  /** Use `openFiles`. */
  constructor(target: FilesTarget) {
    this.diskName = target.disk;
    this.partition = target.partition;
    this.#pin = new ReadingPin(target);
  }

  /**
   * The snapshot reads go through, or null for the live disk: the one given to `openFiles`, or one
   * taken (or reused, when nothing was written since) on the first read while a VM used the disk,
   * kept for later reads so they see one instant until `unpin()` or a successful write.
   */
  get snapshot(): string | null {
    return this.#pin.snapshot;
  }

  /** What the last `volume()` (or `openFiles`) found. */
  get info(): VolumeInfo {
    if (!this.#info) throw new QedArgumentError('call volume() first (openFiles does)');
    return this.#info;
  }

  /** Kind, label, space (bytes) and write state of the file system, now. */
  async volume(): Promise<VolumeInfo> {
    this.#info = await this.#read((target) => callWorker(this.diskName, (api) => api.files.volume(target)));
    return this.#info;
  }

  /** The entries of folder `path`, sorted by name, without `.` and `..`. `FsNotFoundError`, `FsNotADirectoryError`. */
  ls(path = '/'): Promise<FileEntry[]> {
    return this.#read((target) => callWorker(this.diskName, (api) => api.files.list(target, path)));
  }

  /** Metadata of `path` (a symlink itself, not its target). */
  stat(path: string): Promise<FileStat> {
    return this.#read((target) => callWorker(this.diskName, (api) => api.files.stat(target, path)));
  }

  /**
   * The whole file at `path` in one new buffer the caller owns (read in chunks of `chunkBytes`).
   * `FsTooLargeError` above `MAX_READ_FILE_BYTES`: stream such files.
   */
  async readFile(path: string, options: ReadChunksOptions = {}): Promise<Uint8Array<ArrayBuffer>> {
    const stat = await this.stat(path);
    if (stat.size > MAX_READ_FILE_BYTES) throw new FsTooLargeError(`${path} is ${stat.size} bytes: readFile stops at ${MAX_READ_FILE_BYTES}; use readFileStream`);
    const parts: Uint8Array<ArrayBuffer>[] = [];
    for await (const chunk of this.readFileChunks(path, options)) parts.push(chunk);
    if (parts.length === 1 && parts[0]) return parts[0];
    const whole = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
    let at = 0;
    for (const part of parts) {
      whole.set(part, at);
      at += part.byteLength;
    }
    return whole;
  }

  /**
   * The file at `path` in chunks (each a new buffer the caller owns). Every chunk comes from the
   * same version of the file: one written, replaced or removed meanwhile ends the iteration with
   * `FilesChangedError`.
   */
  readFileChunks(path: string, options: ReadChunksOptions = {}): AsyncGenerator<Uint8Array<ArrayBuffer>, void, void> {
    const chunkBytes = checkedChunkBytes(options.chunkBytes);
    return fileChunks((offset, length, expected: FileIdentity | null) => this.#read((target) => callWorker(this.diskName, (api) => api.files.read(target, path, offset, length, expected))), chunkBytes);
  }

  /** The file at `path` as a stream of chunks (see `readFileChunks`), pulled as the consumer reads. */
  readFileStream(path: string, options: ReadChunksOptions = {}): ReadableStream<Uint8Array<ArrayBuffer>> {
    return streamOf(this.readFileChunks(path, options));
  }

  /** The file at `path` as a `Blob` of MIME type `type` (read in chunks; the browser may keep a large Blob on disk). */
  readFileBlob(path: string, options: ReadChunksOptions & { type?: string } = {}): Promise<Blob> {
    return blobOf(this.readFileChunks(path, options), options.type ?? '');
  }

  /**
   * Creates or replaces the file at `path` with `data` (a `Blob`/`File` is read by the worker in
   * 1 MiB chunks while the write commits; bytes are copied first; a stream is collected into a
   * Blob first). Resolves with the new file's metadata. Rejects with `DiskAttachedError` while a
   * VM uses the disk, `FsNoSpaceError`, `FsNotFoundError` (a missing parent without `parents`),
   * `FsReadOnlyError`, `QedQuotaError` (storage full: nothing changed), ...
   */
  async writeFile(path: string, data: FileData, options: FilesWriteOptions = {}): Promise<FileStat> {
    const blob = await blobFromData(data);
    return this.#write((target) => callWorker(this.diskName, (api) => api.files.write(target, path, blob, { ...options })));
  }

  /** Creates folder `path` (with `parents`, also the missing folders above it; an existing folder is then fine). */
  mkdir(path: string, options: FilesMkdirOptions = {}): Promise<void> {
    return this.#write((target) => callWorker(this.diskName, (api) => api.files.mkdir(target, path, { ...options })));
  }

  /** Removes a file, link or empty folder; with `recursive`, a folder and everything in it (each removal its own step). */
  rm(path: string, options: FilesRmOptions = {}): Promise<void> {
    return this.#write((target) => callWorker(this.diskName, (api) => api.files.rm(target, path, { ...options })));
  }

  /** Moves (renames) `from` to `to`, replacing a file, or an empty folder when moving a folder, at `to`. */
  rename(from: string, to: string): Promise<void> {
    return this.#write((target) => callWorker(this.diskName, (api) => api.files.rename(target, from, to)));
  }

  /**
   * A zip archive of folder `path` (its contents under the folder's name; `/`: at the top) or of
   * one file, produced by the worker as the stream is read. Resolves once the tree is walked.
   * `FilesZipLimitError` over 4 GiB or 65535 entries; a file changed while zipping errors the
   * stream with `FilesChangedError`.
   */
  async zip(path = '/', options: ZipOptions = {}): Promise<ZipDownload> {
    const handle = await this.#read((target) => callWorker(this.diskName, (api) => api.files.zipStart(target, path, { ...options })));
    const name = this.diskName;
    const pieces = (async function* (): AsyncGenerator<Uint8Array<ArrayBuffer>, void, void> {
      let finished = false;
      try {
        for (;;) {
          const bytes = await callWorker(name, (api) => api.files.zipNext(handle.id));
          if (bytes === null) {
            finished = true;
            return;
          }
          yield bytes;
        }
      } finally {
        if (!finished) await callWorker(name, (api) => api.files.zipCancel(handle.id)).catch(() => undefined);
      }
    })();
    return { stream: streamOf(pieces), entries: handle.entries, dataBytes: handle.dataBytes };
  }

  /** The zip archive of `path` (see `zip`) as a `Blob` of type `application/zip`. */
  async zipBlob(path = '/', options: ZipOptions = {}): Promise<Blob> {
    const { stream } = await this.zip(path, options);
    const reader = stream.getReader();
    const chunks = (async function* (): AsyncGenerator<Uint8Array<ArrayBuffer>, void, void> {
      for (;;) {
        const next = await reader.read();
        if (next.done) return;
        yield next.value;
      }
    })();
    return blobOf(chunks, 'application/zip');
  }

  /** Reads the live disk again from the next request (drops a snapshot taken because a VM was attached). */
  unpin(): void {
    this.#pin.unpin();
  }

  #read<T>(call: (target: FilesTarget) => Promise<T>): Promise<T> {
    return this.#pin.read(call);
  }

  /** Runs a write on the live disk (or the given snapshot, which refuses); a pinned snapshot is dropped once a write went through. */
  async #write<T>(call: (target: FilesTarget) => Promise<T>): Promise<T> {
    const result = await call(this.#pin.writeTarget());
    this.#pin.unpin();
    return result;
  }
}

/** The checked target of `diskName` with `options`. */
function targetOf(diskName: string, options: OpenFilesOptions): FilesTarget {
  validateDiskName(diskName);
  const target: FilesTarget = { disk: diskName };
  if (options.partition !== undefined) {
    if (!Number.isSafeInteger(options.partition) || options.partition < 1) throw new QedArgumentError(`partition must be a whole number from 1, got ${String(options.partition)}`);
    target.partition = options.partition;
  }
  if (options.snapshot !== undefined) {
    if (typeof options.snapshot !== 'string') throw new QedArgumentError('snapshot must be a snapshot id string');
    target.snapshot = options.snapshot;
  }
  if (options.allowedOrigins !== undefined) {
    if (!Array.isArray(options.allowedOrigins) || !options.allowedOrigins.every((origin) => typeof origin === 'string')) throw new QedArgumentError('allowedOrigins must be an array of origin strings');
    target.allowedOrigins = [...options.allowedOrigins];
  }
  return target;
}
