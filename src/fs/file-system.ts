/**
 * The one interface every file system implements (ext2/3/4, FAT12/16/32). Synchronous, so the
 * disk worker can call it inside a disk's request queue; paths are absolute POSIX paths.
 */

/** What kind of object a directory entry names. */
export type FileType = 'file' | 'directory' | 'symlink' | 'char-device' | 'block-device' | 'fifo' | 'socket' | 'unknown';

/** File system kinds qedisk reads and writes. */
export type FileSystemKind = 'ext2' | 'ext3' | 'ext4' | 'fat12' | 'fat16' | 'fat32';

/** Metadata of one file, directory or link. */
export interface FileStat {
  /** The last path component (`/` for the root). */
  name: string;
  /** What it is. */
  type: FileType;
  /** Size in bytes (a symlink: the length of its target). */
  size: number;
  /** POSIX mode bits including the type bits (FAT: synthesised, 0o755 directories, 0o644 files, 0o444 read-only files). */
  mode: number;
  /** Owner user id (FAT: 0). */
  uid: number;
  /** Owner group id (FAT: 0). */
  gid: number;
  /** Last modification, seconds since the Unix epoch (FAT: local time read as UTC, 2-second steps). */
  mtime: number;
  /** Hard links (FAT: 1). */
  links: number;
  /** ext: inode number; FAT: first cluster (0 for empty files). */
  id: number;
  /** A symlink's target, else undefined. */
  target?: string;
  /** Device number of a device node (`major * 256 + minor` style: major and minor given apart). */
  device?: { major: number; minor: number };
}

/** One line of a directory listing: a `FileStat` without `.` and `..`. */
export type DirEntry = FileStat;

/** Ownership, mode and time for a new file, directory, link or node (the demo's image builder sets these). */
export interface CreateOptions {
  /** Permission bits (without type bits); default 0o644 for files, 0o755 for directories, 0o777 for symlinks. ext only. */
  mode?: number;
  /** Owner user id; default 0. ext only. */
  uid?: number;
  /** Owner group id; default 0. ext only. */
  gid?: number;
  /** Modification (and change/access) time, seconds since the epoch; default the file system's clock. */
  mtime?: number;
  /** Create missing parent directories (with default options) instead of failing. */
  parents?: boolean;
}

/** Options of `writeFile`. */
export interface WriteFileOptions extends CreateOptions {
  /** Leave all-zero blocks unallocated (holes) where the file system allows it (ext); default false. */
  sparse?: boolean;
}

/** Where the bytes of a file to write come from, read in chunks while the write commits. */
export interface DataSource {
  /** Total bytes. */
  readonly size: number;
  /** Fills all of `target` with the bytes at `offset`. */
  read(offset: number, target: Uint8Array): void;
}

/** An open file for reading: its layout is resolved once; do not keep it across writes. */
export interface FileReader {
  /** File size in bytes. */
  readonly size: number;
  /** Copies up to `target.length` bytes from `offset` into `target`; returns the count (0 at the end). */
  read(offset: number, target: Uint8Array): number;
}

/** Space figures of a file system. */
export interface FsUsage {
  /** Allocation unit: ext block or FAT cluster, in bytes. */
  blockSize: number;
  /** All units of the data area, in bytes. */
  totalBytes: number;
  /** Free units, in bytes. */
  freeBytes: number;
  /** Free inodes (ext), or null where there is no such limit (FAT). */
  freeInodes: number | null;
}

/** A mounted file system. Writes either happen completely or (on a typed error) not at all. */
export interface FileSystem {
  /** The file system's kind. */
  readonly kind: FileSystemKind;
  /** True when writes are refused (opened read-only, read-only device, or features qedisk can only read). */
  readonly readOnly: boolean;
  /** The volume label (may be empty). */
  readonly label: string;
  /** Entries of the directory at `path`, sorted by name, without `.` and `..`. */
  list(path: string): DirEntry[];
  /** Metadata of `path`; a final symlink is not followed. */
  stat(path: string): FileStat;
  /** The whole content of the file at `path`, in a new buffer owned by the caller. Refuses files over 2 GiB. */
  readFile(path: string): Uint8Array;
  /** Up to `target.byteLength` bytes of the file at `path` from byte `offset` into `target`; returns the count (0 at the end). */
  readFileInto(path: string, offset: number, target: Uint8Array): number;
  /**
   * The file at `path` in chunks of at most `chunkBytes` (default 1 MiB), each a new buffer the
   * caller owns. The file's layout is resolved when the generator is first advanced; do not
   * interleave writes with an unfinished generator.
   */
  readFileChunks(path: string, chunkBytes?: number): Generator<Uint8Array, void, void>;
  /**
   * The file at `path` for repeated reads into caller-owned buffers (streaming without new
   * allocations). Valid until the next write to the file system.
   */
  openReader(path: string): FileReader;
  /** The target of the symlink at `path`. */
  readlink(path: string): string;
  /**
   * Creates or replaces the file at `path` with `data`: a buffer (not kept after the call) or a
   * `DataSource` read in 1 MiB chunks during the call. `sparse` applies to buffers only.
   */
  writeFile(path: string, data: Uint8Array | DataSource, options?: WriteFileOptions): void;
  /** Creates the directory `path` (with `parents`, also missing parents; an existing directory is then fine). */
  mkdir(path: string, options?: CreateOptions): void;
  /** Removes a file, symlink, device node or empty directory. */
  rm(path: string): void;
  /** Moves `from` to `to`, replacing a file (or empty directory, for a directory) at `to`. */
  rename(from: string, to: string): void;
  /** Creates a symlink at `path` pointing to `target`. Throws `FsUnsupportedError` on FAT. */
  symlink(target: string, path: string, options?: CreateOptions): void;
  /** Space figures. */
  usage(): FsUsage;
  /** Flushes the device. Every operation already wrote its changes through; this makes them durable. */
  flush(): void;
}
