/** ext2/ext3/ext4 behind the common `FileSystem` interface. */
import type { BlockDevice } from '../block-device.ts';
import { isWritable } from '../block-device.ts';
import { FsInvalidPathError, FsIsADirectoryError, FsJournalRecoveryError, FsNotADirectoryError, FsReadOnlyError, FsTooLargeError, FsUnsupportedError } from '../errors.ts';
import type { CreateOptions, DataSource, DirEntry, FileReader, FileStat, FileSystem, FileSystemKind, FsUsage, WriteFileOptions } from '../file-system.ts';
import { chunksOf } from '../file-reader.ts';
import { splitParent, splitPath } from '../path.ts';
import { Allocator } from './allocator.ts';
import { readBlockMap } from './block-map.ts';
import { COMPAT, INCOMPAT, INODE_FLAG, READABLE_INCOMPAT, RO_COMPAT, ROOT_INODE, S_IFDIR, S_IFLNK, S_IFREG, WRITABLE_INCOMPAT, WRITABLE_RO_COMPAT } from './constants.ts';
import { readDirectory } from './directory.ts';
import { readRange } from './file-data.ts';
import type { Inode } from './inode.ts';
import { fileFormat } from './inode.ts';
import { deviceNumbers, readSymlink, resolve, resolveDirectory } from './lookup.ts';
import type { MutationContext, NodeKind } from './mutations.ts';
import { mkdirIn, mknodIn, removeIn, symlinkIn, writeFileIn } from './mutations.ts';
import { renameEntry } from './rename.ts';
import { fileTypeOf } from './file-types.ts';
import { ExtVolume } from './volume.ts';
import { replayJournal } from './journal.ts';
import { OverlayDevice } from '../overlay-device.ts';

/** Options for opening an ext file system. */
export interface ExtOpenOptions {
  /** Refuse every write. */
  readOnly?: boolean;
  /** The clock for times qedisk sets, in seconds since the epoch (default: the real time). */
  now?: () => number;
}

/** Why a file system with a journal to recover is read-only. */
const JOURNAL_REASON = 'the ext journal needs recovery (not unmounted cleanly); qedisk shows the replayed state without writing it: mount the file system in the guest or run e2fsck before writing';

/** Largest file `readFile` returns in one buffer. */
export const MAX_READ_FILE_BYTES = 2 ** 31;
/** Default chunk size of `readFileChunks`. */
const DEFAULT_CHUNK_BYTES = 1024 * 1024;
/** Deepest directory nesting walked when checking a rename's target. */
const MAX_DEPTH = 4096;

/** An open ext2/3/4 file system. */
export class ExtFileSystem implements FileSystem {
  readonly kind: FileSystemKind;
  readonly readOnly: boolean;
  readonly label: string;
  /** Why writes are refused, when they are. */
  readonly readOnlyReason: string | null;
  /** True when the journal needed recovery and is shown replayed (in memory only). */
  readonly journalReplayed: boolean;
  readonly #volume: ExtVolume;
  readonly #now: () => number;

  /**
   * Opens the ext file system on `device`; a journal that needs recovery is replayed in memory and
   * the file system opened read-only. Throws `FsNotAFileSystemError`, `FsUnsupportedError`,
   * `FsJournalRecoveryError` (external journal), `FsCorruptionError`.
   */
  constructor(device: BlockDevice, options: ExtOpenOptions = {}) {
    let volume = new ExtVolume(device);
    let journalReplayed = false;
    if (volume.sb.incompat & INCOMPAT.recover) {
      // Replay the committed transactions into memory and read through them; never write.
      volume = new ExtVolume(new OverlayDevice(device, volume.blockSize, replayJournal(volume)));
      journalReplayed = true;
    }
    const sb = volume.sb;
    const unknown = sb.incompat & ~READABLE_INCOMPAT & ~INCOMPAT.recover;
    if (unknown) throw new FsUnsupportedError(`ext file system uses incompatible features qedisk cannot read (0x${unknown.toString(16)})`);
    if (sb.roCompat & RO_COMPAT.bigalloc) throw new FsUnsupportedError('ext bigalloc (clusters larger than blocks) is not supported');
    this.#volume = volume;
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000));
    this.kind = kindOf(sb.compat, sb.incompat, sb.roCompat);
    this.label = sb.label;
    this.journalReplayed = journalReplayed;
    this.readOnlyReason = journalReplayed ? JOURNAL_REASON : writeBlocker(volume, options.readOnly ?? false, device);
    this.readOnly = this.readOnlyReason !== null;
  }

  /** Block-level counters (blocks read), for tests that bound work. */
  get counters(): { blocksRead: number } {
    return this.#volume.counters;
  }

  list(path: string): DirEntry[] {
    const dir = resolveDirectory(this.#volume, splitPath(path));
    const entries = readDirectory(this.#volume, dir).filter((record) => record.name !== '.' && record.name !== '..');
    return entries.map((record) => this.#statInode(this.#volume.readInode(record.inode), record.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  stat(path: string): FileStat {
    const parts = splitPath(path);
    const { inode } = resolve(this.#volume, parts, false);
    return this.#statInode(inode, parts[parts.length - 1] ?? '/');
  }

  readFile(path: string): Uint8Array {
    const inode = this.#regularFile(path);
    if (inode.size > MAX_READ_FILE_BYTES) throw new FsTooLargeError(`${path} has ${inode.size} bytes; read it in chunks`);
    const target = new Uint8Array(inode.size);
    readRange(this.#volume, readBlockMap(this.#volume, inode).runs, inode.size, 0, target);
    return target;
  }

  readFileInto(path: string, offset: number, target: Uint8Array): number {
    return this.openReader(path).read(offset, target);
  }

  openReader(path: string): FileReader {
    const inode = this.#regularFile(path);
    const runs = readBlockMap(this.#volume, inode).runs;
    return {
      size: inode.size,
      read: (offset, target) => {
        if (!Number.isSafeInteger(offset) || offset < 0) throw new FsInvalidPathError(`bad offset ${offset}`);
        return readRange(this.#volume, runs, inode.size, offset, target);
      },
    };
  }

  *readFileChunks(path: string, chunkBytes = DEFAULT_CHUNK_BYTES): Generator<Uint8Array, void, void> {
    yield* chunksOf(this.openReader(path), chunkBytes);
  }

  readlink(path: string): string {
    const { inode } = resolve(this.#volume, splitPath(path), false);
    if (fileFormat(inode.mode) !== S_IFLNK) throw new FsInvalidPathError(`${path} is not a symbolic link`);
    return readSymlink(this.#volume, inode);
  }

  writeFile(path: string, data: Uint8Array | DataSource, options: WriteFileOptions = {}): void {
    const { parent, name } = splitParent(path);
    this.#mutate('grow', options.parents === true, parent, (ctx, dir) => writeFileIn(ctx, dir, name, data, options));
  }

  mkdir(path: string, options: CreateOptions = {}): void {
    const { parent, name } = splitParent(path);
    if (options.parents) {
      try {
        const existing = resolve(this.#volume, [...parent, name], true).inode;
        if (fileFormat(existing.mode) === S_IFDIR) return;
      } catch {
        // Missing: create it below.
      }
    }
    this.#mutate('grow', options.parents === true, parent, (ctx, dir) => mkdirIn(ctx, dir, name, options));
  }

  symlink(target: string, path: string, options: CreateOptions = {}): void {
    const { parent, name } = splitParent(path);
    this.#mutate('grow', options.parents === true, parent, (ctx, dir) => symlinkIn(ctx, dir, name, target, options));
  }

  /** Creates a device node, FIFO or socket at `path` (for building root file systems). */
  mknod(path: string, kind: NodeKind, device: { major: number; minor: number }, options: CreateOptions = {}): void {
    const { parent, name } = splitParent(path);
    this.#mutate('grow', options.parents === true, parent, (ctx, dir) => mknodIn(ctx, dir, name, kind, device.major, device.minor, options));
  }

  rm(path: string): void {
    const { parent, name } = splitParent(path);
    this.#mutate('shrink', false, parent, (ctx, dir) => removeIn(ctx, dir, name));
  }

  rename(from: string, to: string): void {
    const source = splitParent(from);
    const target = splitParent(to);
    this.#mutate('shrink', false, source.parent, (ctx, fromDir) => {
      const toDir = resolveDirectory(this.#volume, target.parent);
      const toDirShared = toDir.number === fromDir.number ? fromDir : toDir;
      renameEntry(ctx, fromDir, source.name, toDirShared, target.name, (dir, ancestor) => this.#isInside(dir, ancestor));
    });
  }

  usage(): FsUsage {
    const sb = this.#volume.sb;
    return { blockSize: sb.blockSize, totalBytes: (sb.blocksCount - sb.firstDataBlock) * sb.blockSize, freeBytes: sb.freeBlocks * sb.blockSize, freeInodes: sb.freeInodes };
  }

  flush(): void {
    this.#volume.device.flush?.();
  }

  /** Runs `action` on the directory `parentParts` inside one staged batch; commits on success, drops everything on error. */
  #mutate(shape: 'grow' | 'shrink', parents: boolean, parentParts: readonly string[], action: (ctx: MutationContext, dir: Inode) => void): void {
    if (this.journalReplayed) throw new FsJournalRecoveryError(`file system is read-only: ${JOURNAL_REASON}`);
    if (this.readOnlyReason !== null) throw new FsReadOnlyError(`file system is read-only: ${this.readOnlyReason}`);
    const volume = this.#volume;
    const now = this.#now();
    if (parents) this.#makeParents(parentParts, now);
    volume.begin();
    const ctx: MutationContext = { volume, allocator: new Allocator(volume), now };
    try {
      action(ctx, resolveDirectory(volume, parentParts));
      ctx.allocator.finish();
      volume.commit(shape, now);
    } catch (error) {
      volume.rollback();
      throw error;
    }
  }

  #makeParents(parts: readonly string[], now: number): void {
    for (let depth = 1; depth <= parts.length; depth++) {
      const prefix = parts.slice(0, depth);
      try {
        resolveDirectory(this.#volume, prefix);
        continue;
      } catch (error) {
        if (error instanceof FsNotADirectoryError) throw error;
      }
      this.#mutate('grow', false, prefix.slice(0, -1), (ctx, dir) => mkdirIn({ ...ctx, now }, dir, prefix[prefix.length - 1]!, {}));
    }
  }

  /** True when directory `dir` is `ancestor` or lies below it (walking `..` up to the root). */
  #isInside(dir: number, ancestor: number): boolean {
    let current = dir;
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      if (current === ancestor) return true;
      if (current === ROOT_INODE) return false;
      const parent = readDirectory(this.#volume, this.#volume.readInode(current)).find((entry) => entry.name === '..');
      if (!parent || parent.inode === current) return false;
      current = parent.inode;
    }
    return true;
  }

  #regularFile(path: string): Inode {
    const { inode } = resolve(this.#volume, splitPath(path), true);
    const format = fileFormat(inode.mode);
    if (format === S_IFDIR) throw new FsIsADirectoryError(`${path} is a directory`);
    if (format !== S_IFREG) throw new FsInvalidPathError(`${path} is not a regular file`);
    if (inode.flags & INODE_FLAG.inlineData) throw new FsUnsupportedError(`${path} keeps its data inline (inline_data), which qedisk does not read`);
    return inode;
  }

  #statInode(inode: Inode, name: string): FileStat {
    const type = fileTypeOf(inode.mode);
    const stat: FileStat = { name, type, size: inode.size, mode: inode.mode, uid: inode.uid, gid: inode.gid, mtime: inode.mtime, links: inode.links, id: inode.number };
    if (type === 'symlink') stat.target = readSymlink(this.#volume, inode);
    if (type === 'char-device' || type === 'block-device') stat.device = deviceNumbers(inode);
    return stat;
  }
}

/** ext4 when any ext4-only feature is on, ext3 with a journal, else ext2. */
function kindOf(compat: number, incompat: number, roCompat: number): FileSystemKind {
  const ext4Incompat = INCOMPAT.extents | INCOMPAT.bit64 | INCOMPAT.flexBg | INCOMPAT.inlineData | INCOMPAT.csumSeed | INCOMPAT.largeDir;
  const ext4RoCompat = RO_COMPAT.hugeFile | RO_COMPAT.gdtCsum | RO_COMPAT.dirNlink | RO_COMPAT.extraIsize | RO_COMPAT.metadataCsum;
  if (incompat & ext4Incompat || roCompat & ext4RoCompat) return 'ext4';
  return compat & COMPAT.hasJournal ? 'ext3' : 'ext2';
}

/** Why this file system must not be written, or null when it may be. */
function writeBlocker(volume: ExtVolume, readOnly: boolean, device: BlockDevice): string | null {
  const sb = volume.sb;
  if (readOnly) return 'opened read-only';
  if (!isWritable(device)) return 'the device is read-only';
  const incompat = sb.incompat & ~WRITABLE_INCOMPAT & ~INCOMPAT.inlineData;
  if (incompat) return `incompatible features qedisk does not write (0x${incompat.toString(16)})`;
  const roCompat = sb.roCompat & ~WRITABLE_RO_COMPAT;
  if (roCompat) return `read-only-compatible features qedisk does not write (0x${roCompat.toString(16)})`;
  if (sb.compat & (COMPAT.orphanFile | COMPAT.fastCommit)) return 'orphan_file or fast_commit journals are not written by qedisk';
  if ((sb.state & 1) === 0) return 'the file system is mounted or was not unmounted cleanly (run e2fsck)';
  if (sb.state & 2) return 'the file system has errors (run e2fsck)';
  if (volume.sb.raw[0xe8] || volume.sb.raw[0xe9] || volume.sb.raw[0xea] || volume.sb.raw[0xeb]) return 'the file system has orphan inodes (run e2fsck)';
  return null;
}
