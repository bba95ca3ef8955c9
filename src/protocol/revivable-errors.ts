/**
 * The typed errors the worker can throw whose constructor takes only a message, by `name`: the
 * page revives an error that crossed the worker boundary into its class from here (see
 * `reviveError`). A new error class the worker may throw belongs in this list.
 */
import { QedBackingChangedError } from '../backends/remote/backing-changed-error.ts';
import { QedCompactionError } from '../engine/compact-errors.ts';
import { ImageCorruptionError, ImageEncryptedError, ImageFormatError, ImageUnsupportedError } from '../formats/errors.ts';
import * as fsErrors from '../fs/errors.ts';
import { DiskAttachedError, FilesChangedError, FilesWriteInterruptedError, FilesZipLimitError } from './files-errors.ts';
import { ImportBackingFileError } from './import-errors.ts';
import { BaseCacheNotFoundError, StorageInUseError } from './storage-errors.ts';
import { VmSaveError, VmSaveFormatError, VmSaveMismatchError, VmSaveNotFoundError } from './vm-saves.ts';
import { QedArgumentError, QedBackingError, QedClosedError, QedCorruptionError, QedError, QedFormatError, QedIoError, QedQuotaError, QedRangeError, QedReadOnlyError, StorageUnsupportedError } from '../qed/errors.ts';

/** A `QedError` class constructed from a message alone. */
type MessageErrorClass = new (message: string) => QedError;

/** The classes, each under the `name` its instances carry. */
const CLASSES: readonly MessageErrorClass[] = [
  QedError,
  QedFormatError,
  QedCorruptionError,
  QedRangeError,
  QedArgumentError,
  QedReadOnlyError,
  QedClosedError,
  QedBackingError,
  QedIoError,
  QedQuotaError,
  QedBackingChangedError,
  ImageFormatError,
  ImageUnsupportedError,
  ImageEncryptedError,
  ImageCorruptionError,
  StorageUnsupportedError,
  ImportBackingFileError,
  VmSaveError,
  VmSaveMismatchError,
  VmSaveNotFoundError,
  VmSaveFormatError,
  DiskAttachedError,
  FilesChangedError,
  FilesWriteInterruptedError,
  FilesZipLimitError,
  StorageInUseError,
  BaseCacheNotFoundError,
  QedCompactionError,
  ...Object.values<unknown>(fsErrors).filter((value: unknown): value is MessageErrorClass => typeof value === 'function' && value.prototype instanceof QedError),
];

/** Error classes whose constructor takes only a message, by the `name` of their instances. */
export const MESSAGE_ERRORS: ReadonlyMap<string, MessageErrorClass> = new Map(CLASSES.map((errorClass) => [new errorClass('').name, errorClass]));
