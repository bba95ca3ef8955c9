/**
 * Typed errors of the file-system layer. Each has a stable `name`, so the page can branch on it
 * after the error crossed the worker boundary (where only `name` and `message` survive).
 */
import { QedError } from '../qed/errors.ts';

/** Base class of every file-system error. */
export class FsError extends QedError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'FsError';
}

/** The device (or the chosen partition) holds no file system qedisk recognises. */
export class FsNotAFileSystemError extends FsError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'FsNotAFileSystemError';
}

/** The disk has several partitions (or none) with a supported file system: pick one; the message lists them. */
export class FsAmbiguousError extends FsError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'FsAmbiguousError';
}

/** The file system uses a feature qedisk does not handle (for reading, or for writing). */
export class FsUnsupportedError extends FsError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'FsUnsupportedError';
}

/** An ext3/ext4 journal holds transactions that were never replayed: qedisk refuses to guess. */
export class FsJournalRecoveryError extends FsUnsupportedError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'FsJournalRecoveryError';
}

/** Metadata is inconsistent: a bad checksum, a pointer outside the file system, a loop. */
export class FsCorruptionError extends FsError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'FsCorruptionError';
}

/** A path component does not exist. */
export class FsNotFoundError extends FsError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'FsNotFoundError';
}

/** A path component that must be a directory is not one. */
export class FsNotADirectoryError extends FsError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'FsNotADirectoryError';
}

/** The operation needs a file (or a non-directory) and found a directory. */
export class FsIsADirectoryError extends FsError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'FsIsADirectoryError';
}

/** The target already exists. */
export class FsExistsError extends FsError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'FsExistsError';
}

/** A directory to remove (or to replace) still holds entries. */
export class FsNotEmptyError extends FsError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'FsNotEmptyError';
}

/** Not enough free blocks, clusters, inodes or directory slots for the whole operation; nothing was changed. */
export class FsNoSpaceError extends FsError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'FsNoSpaceError';
}

/** A bad path or name: not absolute, empty component, too long, a character the file system forbids. */
export class FsInvalidPathError extends FsError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'FsInvalidPathError';
}

/** The file is larger than the file system (or this implementation) can store or read at once. */
export class FsTooLargeError extends FsError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'FsTooLargeError';
}

/** A write was attempted on a file system opened read-only (or on a read-only device). */
export class FsReadOnlyError extends FsError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'FsReadOnlyError';
}

/** The partition table is damaged (bad GPT checksums, extended-partition loops, entries off the disk). */
export class FsPartitionTableError extends FsCorruptionError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'FsPartitionTableError';
}
