/**
 * Errors of the page API, and the revival of errors that crossed the worker boundary. Comlink
 * carries only `name` and `message`; `reviveError` turns them back into the typed classes so the
 * page can use `instanceof` as well as `name`.
 */
import {
  QedArgumentError,
  QedBackingError,
  QedClosedError,
  QedCorruptionError,
  QedError,
  QedFormatError,
  QedIoError,
  QedQuotaError,
  QedRangeError,
  QedReadOnlyError,
} from '../qed/errors.ts';
import { QedBackingChangedError } from '../backends/remote/backing-changed-error.ts';

/** The disk is open in another tab (or another `openDisk` of this page): one user at a time. */
export class DiskBusyError extends QedError {
  override name = 'DiskBusyError';
  /** The disk that is busy. */
  readonly diskName: string;
  constructor(diskName: string, message = `disk "${diskName}" is in use by another tab or window`) {
    super(message);
    this.diskName = diskName;
  }
}

/** No disk of that name exists (and `create` was not given). */
export class DiskNotFoundError extends QedError {
  override name = 'DiskNotFoundError';
  /** The disk that was not found. */
  readonly diskName: string;
  constructor(diskName: string, message = `disk "${diskName}" does not exist`) {
    super(message);
    this.diskName = diskName;
  }
}

/** A disk of that name exists already (e.g. as the target of an import). */
export class DiskExistsError extends QedError {
  override name = 'DiskExistsError';
  /** The disk that exists. */
  readonly diskName: string;
  constructor(diskName: string, message = `disk "${diskName}" exists already`) {
    super(message);
    this.diskName = diskName;
  }
}

/** Deleting would break something that reads through it: a disk used as a base, or a snapshot a later one or the live overlay sits on. */
export class DiskInUseError extends QedError {
  override name = 'DiskInUseError';
  /** The disk concerned. */
  readonly diskName: string;
  constructor(diskName: string, message = `disk "${diskName}" is the base of another disk or snapshot`) {
    super(message);
    this.diskName = diskName;
  }
}

/** The disk has no snapshot with that id. */
export class SnapshotNotFoundError extends QedError {
  override name = 'SnapshotNotFoundError';
  /** The disk concerned. */
  readonly diskName: string;
  constructor(diskName: string, message = `disk "${diskName}" has no such snapshot`) {
    super(message);
    this.diskName = diskName;
  }
}

/** Error classes whose constructor takes only a message. */
const MESSAGE_ERRORS: ReadonlyMap<string, new (message: string) => QedError> = new Map<string, new (message: string) => QedError>([
  ['QedError', QedError],
  ['QedFormatError', QedFormatError],
  ['QedCorruptionError', QedCorruptionError],
  ['QedRangeError', QedRangeError],
  ['QedArgumentError', QedArgumentError],
  ['QedReadOnlyError', QedReadOnlyError],
  ['QedClosedError', QedClosedError],
  ['QedBackingError', QedBackingError],
  ['QedIoError', QedIoError],
  ['QedQuotaError', QedQuotaError],
  ['QedBackingChangedError', QedBackingChangedError],
]);

/** Error classes that also carry the disk name. */
const DISK_ERRORS: ReadonlyMap<string, new (diskName: string, message?: string) => QedError> = new Map<
  string,
  new (diskName: string, message?: string) => QedError
>([
  ['DiskBusyError', DiskBusyError],
  ['DiskNotFoundError', DiskNotFoundError],
  ['DiskExistsError', DiskExistsError],
  ['DiskInUseError', DiskInUseError],
  ['SnapshotNotFoundError', SnapshotNotFoundError],
]);

/**
 * Rebuilds a typed error from one that crossed the worker boundary (an `Error` whose `name` and
 * `message` survived). `diskName` fills in the disk of `Disk*Error`s. Unknown names and
 * non-errors come back unchanged; the worker's stack is kept when there is one.
 */
export function reviveError(error: unknown, diskName: string): unknown {
  if (!(error instanceof Error) || error instanceof QedError) return error;
  const diskError = DISK_ERRORS.get(error.name);
  const messageError = MESSAGE_ERRORS.get(error.name);
  const revived = diskError ? new diskError(diskName, error.message) : messageError ? new messageError(error.message) : null;
  if (!revived) return error;
  if (error.stack !== undefined) revived.stack = error.stack;
  return revived;
}
