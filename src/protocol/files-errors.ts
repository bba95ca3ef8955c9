/**
 * Typed errors of the files API (`openFiles`), thrown by the disk worker and revived on the page
 * by name (they are listed in `revivable-errors.ts`). The file-system errors themselves
 * (`FsNotFoundError`, `FsNotADirectoryError`, `FsNotAFileSystemError`, `FsUnsupportedError`, ...)
 * come from `src/fs/errors.ts` unchanged.
 */
import { QedError } from '../qed/errors.ts';

/**
 * The disk is attached to a running VM (a `toV86Disk` adapter that was not detached): writing its
 * file system would corrupt the guest's mounted copy, so file writes are refused. Reads go through
 * a snapshot instead (the files API does that by itself). The message names the disk.
 */
export class DiskAttachedError extends QedError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'DiskAttachedError';
}

/**
 * A file changed (was replaced, removed, or written) while it was being read in chunks: a read
 * stream or a zip archive would otherwise mix two versions. Read it again.
 */
export class FilesChangedError extends QedError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'FilesChangedError';
}

/**
 * A file write stopped in the middle of writing the file system's metadata (the storage quota ran
 * out, or the disk's storage failed) after qedisk had reserved the space it measured beforehand:
 * the file system may then hold blocks, clusters or inodes that are marked used but that nothing
 * references (leaks `e2fsck -p` / `fsck.fat -a` free), never a damaged file or directory. The
 * message carries the underlying error's name and message. Rare: the space is reserved first.
 */
export class FilesWriteInterruptedError extends QedError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'FilesWriteInterruptedError';
}

/** A zip archive would exceed what the zip writer produces (no Zip64: 4 GiB, 65535 entries). */
export class FilesZipLimitError extends QedError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'FilesZipLimitError';
}
