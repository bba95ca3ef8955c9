/**
 * Disk names: validation and the names derived from them (OPFS file, Web Lock). A valid name can
 * never leave the qedisk OPFS folder: no slashes, no leading dot, nothing but `[A-Za-z0-9._-]`.
 */
import { QedArgumentError } from '../qed/errors.ts';

/** Longest disk name, in characters. */
export const MAX_DISK_NAME_LENGTH = 100;

/** OPFS folder (under the origin's root) that holds every disk. */
export const DISK_FOLDER_NAME = 'qedisk';

/** Suffix of a disk's file in the folder. */
export const DISK_FILE_SUFFIX = '.qed';

/** 1-100 characters of `[A-Za-z0-9._-]`, not starting with '.'. */
const DISK_NAME_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/;

/** True when `name` is a valid disk name. */
export function isValidDiskName(name: unknown): name is string {
  return typeof name === 'string' && DISK_NAME_PATTERN.test(name);
}

/** Returns `name` when it is a valid disk name; throws `QedArgumentError` otherwise. */
export function validateDiskName(name: unknown): string {
  if (!isValidDiskName(name)) {
    const shown = typeof name === 'string' ? JSON.stringify(name.length > 120 ? `${name.slice(0, 120)}...` : name) : typeof name;
    throw new QedArgumentError(`disk name ${shown} must be 1 to ${MAX_DISK_NAME_LENGTH} characters of [A-Za-z0-9._-], not starting with '.'`);
  }
  return name;
}

/** The OPFS file name of disk `name` (validated). */
export function diskFileName(name: string): string {
  return `${validateDiskName(name)}${DISK_FILE_SUFFIX}`;
}

/** The disk name of OPFS file `fileName`, or null when it is not a disk file. */
export function diskNameOfFile(fileName: string): string | null {
  if (!fileName.endsWith(DISK_FILE_SUFFIX)) return null;
  const name = fileName.slice(0, -DISK_FILE_SUFFIX.length);
  return isValidDiskName(name) ? name : null;
}

/** The Web Lock held while disk `name` is open. */
export function diskLockName(name: string): string {
  return `qedisk:${validateDiskName(name)}`;
}
