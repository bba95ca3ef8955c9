/**
 * The wire contract of the files API: what the page (`src/client/files.ts`) asks the disk worker
 * (`worker/files/`) about the file system on a disk, without booting a guest. Types only.
 * Sizes and offsets in bytes, times in seconds since the Unix epoch, paths absolute POSIX paths
 * inside the file system (`/`, `/etc/passwd`).
 */
import type { DirEntry, FileStat, FileSystemKind, FsUsage } from '../fs/file-system.ts';
import type { Partition } from '../fs/partitions/types.ts';
import type { SnapshotFile } from './worker-api.ts';

export type { FileStat, FileSystemKind, FileType, FsUsage } from '../fs/file-system.ts';

/** One entry of a directory listing (without `.` and `..`). */
export type FileEntry = DirEntry;

/** A partition as `listPartitions` reports it: the table's entry and the file system found in it. */
export interface PartitionInfo extends Partition {
  /** The file system qedisk recognises in the partition, or null (none, or not one it reads). */
  fileSystem: FileSystemKind | null;
}

/** Which file system a request is about. */
export interface FilesTarget {
  /** The disk's name. */
  disk: string;
  /** Partition number (from 1, as `listPartitions` numbers them); absent: the whole disk, else the only partition with a file system. */
  partition?: number;
  /** Read this snapshot of the disk (read-only) instead of its live state. */
  snapshot?: string;
  /** Origins an HTTP base of a closed disk may come from besides the page's (as `openDisk` takes them). */
  allowedOrigins?: string[];
}

/** What `FilesWorkerApi.volume` reports about the file system of a target. */
export interface VolumeInfo {
  /** The file system's kind. */
  kind: FileSystemKind;
  /** The volume label (may be empty). */
  label: string;
  /** The partition it lives in, or null for a file system on the whole disk. */
  partition: PartitionInfo | null;
  /** True when writes are refused; `readOnlyReason` says why. */
  readOnly: boolean;
  /** Why writes are refused (a snapshot, a VM attached, features or state of the file system), or null. */
  readOnlyReason: string | null;
  /** True when an ext journal needed recovery and is shown replayed in memory. */
  journalReplayed: boolean;
  /** Space figures. */
  usage: FsUsage;
  /** The snapshot read, or null for the live disk. */
  snapshot: string | null;
  /** True when the disk is attached to a running VM now. */
  attached: boolean;
}

/** What identifies one version of a file between the chunks of a read (its inode or first cluster, size and mtime). */
export interface FileIdentity {
  /** `FileStat.id`. */
  id: number;
  /** Size in bytes. */
  size: number;
  /** Modification time in seconds. */
  mtime: number;
}

/** What one `FilesWorkerApi.read` returns. */
export interface ReadChunk {
  /** The bytes read (fewer than asked at the end of the file; empty past it). Transferred to the page. */
  bytes: Uint8Array<ArrayBuffer>;
  /** The file as the chunk was read from it. */
  file: FileIdentity;
}

/** Options of a file write (the page's `WriteFileOptions` as they cross to the worker). */
export interface FilesWriteOptions {
  /** Permission bits for a new file (ext only); default 0o644. */
  mode?: number;
  /** Modification time in seconds since the epoch; default now. */
  mtime?: number;
  /** Create missing parent directories first (each in its own step). */
  parents?: boolean;
}

/** Options of `FilesWorkerApi.mkdir`. */
export interface FilesMkdirOptions {
  /** Permission bits (ext only); default 0o755. */
  mode?: number;
  /** Create missing parents too; an existing directory is then fine. */
  parents?: boolean;
}

/** Options of `FilesWorkerApi.rm`. */
export interface FilesRmOptions {
  /** Remove a directory with everything in it (each removal is its own step). */
  recursive?: boolean;
}

/** Options of a zip archive of a folder. */
export interface ZipOptions {
  /** `deflate` (default) compresses each file; `store` keeps the bytes as they are (faster). */
  compression?: 'deflate' | 'store';
  /** Deflate level 1 (fastest) to 9 (smallest); default 6. */
  level?: number;
}

/** A zip archive being produced in the worker. */
export interface ZipHandle {
  /** Handle for `zipNext` and `zipCancel`. */
  id: number;
  /** Files, links and folders the archive holds. */
  entries: number;
  /** Bytes of file data it holds (before compression). */
  dataBytes: number;
}

/** What `FilesWorkerApi.snapshotForReading` answers. */
export interface ReadingSnapshot {
  /** The snapshot reads go through. */
  snapshot: SnapshotFile;
  /** True when the disk had not changed since an existing snapshot, which is used again. */
  reused: boolean;
}

/**
 * The files part of the disk worker's API (`DiskWorkerApi.files`). Every method rejects with
 * typed errors: `DiskBusyError` (another tab holds the disk), `DiskNotFoundError`,
 * `DiskAttachedError`, `Fs*Error`s, `FilesChangedError`, `FilesWriteInterruptedError`, ...
 * Requests on a disk open in the page run in its queue, between its block requests.
 */
export interface FilesWorkerApi {
  /** Marks open disk `id` as used by a VM (`attached` true) or not; counted, cleared when the disk closes. */
  setAttached(id: number, attached: boolean): Promise<void>;
  /** The partitions of disk `target.disk` (empty without a table), with the file system in each. */
  partitions(target: FilesTarget): Promise<PartitionInfo[]>;
  /** Kind, label, space and write state of the file system `target` names. */
  volume(target: FilesTarget): Promise<VolumeInfo>;
  /** Entries of directory `path`, sorted by name. */
  list(target: FilesTarget, path: string): Promise<FileEntry[]>;
  /** Metadata of `path` (a final symlink not followed). */
  stat(target: FilesTarget, path: string): Promise<FileStat>;
  /**
   * Up to `length` bytes of file `path` from `offset`. With `expected`, rejects with
   * `FilesChangedError` when the file is no longer that version.
   */
  read(target: FilesTarget, path: string, offset: number, length: number, expected: FileIdentity | null): Promise<ReadChunk>;
  /** Creates or replaces file `path` with the bytes of `data` (read in chunks during the write); resolves with its new metadata. */
  write(target: FilesTarget, path: string, data: Blob, options: FilesWriteOptions): Promise<FileStat>;
  /** Creates directory `path`. */
  mkdir(target: FilesTarget, path: string, options: FilesMkdirOptions): Promise<void>;
  /** Removes a file, link or empty directory (with `recursive`, a directory and its contents). */
  rm(target: FilesTarget, path: string, options: FilesRmOptions): Promise<void>;
  /** Moves `from` to `to` (replacing a file, or an empty directory, at `to`). */
  rename(target: FilesTarget, from: string, to: string): Promise<void>;
  /** Starts a zip archive of folder (or file) `path`: walks the tree now, reads the files as `zipNext` asks. */
  zipStart(target: FilesTarget, path: string, options: ZipOptions): Promise<ZipHandle>;
  /** The next bytes of zip `id` (transferred), or null once it is complete (its handle is then gone). */
  zipNext(id: number): Promise<Uint8Array<ArrayBuffer> | null>;
  /** Drops zip `id` (idempotent). */
  zipCancel(id: number): Promise<void>;
  /**
   * A snapshot of disk `disk` for consistent reads while a VM runs on it: the one its overlay sits
   * on when nothing was written since, else a new one (O(1)).
   */
  snapshotForReading(disk: string): Promise<ReadingSnapshot>;
}
