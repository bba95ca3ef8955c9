/**
 * Names of the files around an overlay disk in the qedisk OPFS folder, and the rules for the
 * backing names a QED header may carry there:
 *
 * ```
 * NAME.qed                 the disk (its live overlay)
 * NAME.<id>.qsnap          a frozen snapshot of NAME (id: digits), QED, read-only
 * NAME.raw                 a raw base image kept as it is (importDisk with keepRaw or keepAsBase)
 * NAME.qcow2 / .vmdk / .vhd / .vhdx / .vdi
 *                          an image of another format kept as it is as a base (keepAsBase)
 * NAME.qed.pending         a new overlay about to replace NAME.qed (reset, snapshot, restore)
 * NAME.export              the last flattened export of NAME
 * base-<hash>.base-cache   bytes of an HTTP base fetched so far (one pair per base URL)
 * base-<hash>.base-map     which chunks of that base the cache holds
 * ```
 *
 * A backing name is either an HTTP(S) URL or the name of a `.qed`, `.raw` or `.qsnap` file in the
 * folder: never a path, so it cannot leave the folder.
 */
import { QedBackingError } from '../qed/errors.ts';
import { DISK_FILE_SUFFIX, isValidDiskName, validateDiskName } from './disk-name.ts';

/** Suffix of a snapshot file. */
export const SNAPSHOT_SUFFIX = '.qsnap';
/** Suffix of a raw base image kept as it is. */
export const RAW_BASE_SUFFIX = '.raw';
/** Suffix of an overlay written before it replaces the disk's file. */
export const PENDING_SUFFIX = '.pending';
/** Suffix of a disk's flattened export. */
export const EXPORT_SUFFIX = '.export';
/** Suffix of an HTTP base's chunk cache. */
export const BASE_CACHE_SUFFIX = '.base-cache';
/** Suffix of an HTTP base's chunk map. */
export const BASE_MAP_SUFFIX = '.base-map';

/** The formats of image bases kept as they are (besides raw), and the suffix of each. */
export const KEPT_IMAGE_SUFFIXES = { qcow2: '.qcow2', vmdk: '.vmdk', vpc: '.vhd', vhdx: '.vhdx', vdi: '.vdi' } as const;

/** A format an image base other than raw may be kept in (`qemu-img` names; `vpc` is VHD). */
export type KeptImageFormat = keyof typeof KEPT_IMAGE_SUFFIXES;

/** Every `KeptImageFormat`. */
export const KEPT_IMAGE_FORMATS: readonly KeptImageFormat[] = ['qcow2', 'vmdk', 'vpc', 'vhdx', 'vdi'];

/** A snapshot id: 1-16 digits. */
const SNAPSHOT_ID_PATTERN = /^[0-9]{1,16}$/;
/** A plain file name of the folder: no separators, no leading dot. */
const FILE_NAME_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,254}$/;
/** A backing name that is a URL: a scheme, or an absolute path on the page's server. */
const URL_NAME_PATTERN = /^(?:[A-Za-z][A-Za-z0-9+.-]*:|\/)/;

/** True when `id` is a valid snapshot id. */
export function isValidSnapshotId(id: unknown): id is string {
  return typeof id === 'string' && SNAPSHOT_ID_PATTERN.test(id);
}

/** The file of snapshot `id` of disk `diskName`. Throws `QedArgumentError` for a bad name; `QedBackingError` for a bad id. */
export function snapshotFileName(diskName: string, id: string): string {
  if (!isValidSnapshotId(id)) throw new QedBackingError(`snapshot id ${JSON.stringify(id)} must be 1 to 16 digits`);
  return `${validateDiskName(diskName)}.${id}${SNAPSHOT_SUFFIX}`;
}

/** The snapshot id of `fileName` when it is a snapshot file of disk `diskName`, else null. */
export function snapshotIdOf(diskName: string, fileName: string): string | null {
  const prefix = `${diskName}.`;
  if (!fileName.startsWith(prefix) || !fileName.endsWith(SNAPSHOT_SUFFIX)) return null;
  const id = fileName.slice(prefix.length, -SNAPSHOT_SUFFIX.length);
  return isValidSnapshotId(id) ? id : null;
}

/** The raw base file of `name` (validated). */
export function rawBaseFileName(name: string): string {
  return `${validateDiskName(name)}${RAW_BASE_SUFFIX}`;
}

/** The disk name of a raw base file, or null when `fileName` is not one. */
export function rawBaseNameOfFile(fileName: string): string | null {
  if (!fileName.endsWith(RAW_BASE_SUFFIX)) return null;
  const name = fileName.slice(0, -RAW_BASE_SUFFIX.length);
  return isValidDiskName(name) ? name : null;
}

/** The file of the image base `name` (validated) kept in `format`. */
export function keptImageFileName(name: string, format: KeptImageFormat): string {
  return `${validateDiskName(name)}${KEPT_IMAGE_SUFFIXES[format]}`;
}

/** Every file a base named `name` may be kept as: the raw base first, then the image bases. */
export function keptBaseFileNames(name: string): string[] {
  return [rawBaseFileName(name), ...KEPT_IMAGE_FORMATS.map((format) => keptImageFileName(name, format))];
}

/** The disk name and format of an image base file (not raw), or null when `fileName` is not one. */
export function keptImageOfFile(fileName: string): { name: string; format: KeptImageFormat } | null {
  for (const format of KEPT_IMAGE_FORMATS) {
    const suffix = KEPT_IMAGE_SUFFIXES[format];
    if (!fileName.endsWith(suffix)) continue;
    const name = fileName.slice(0, -suffix.length);
    return isValidDiskName(name) ? { name, format } : null;
  }
  return null;
}

/** True when backing name `name` denotes a URL (resolved against the page's origin). */
export function isUrlBackingName(name: string): boolean {
  return URL_NAME_PATTERN.test(name);
}

/** What a backing file name in the folder is (`image`: a qcow2, VMDK, VHD, VHDX or VDI base kept as it is). */
export type BackingFileKind = 'disk' | 'raw' | 'image' | 'snapshot';

/**
 * Returns what the folder file `name` is when it may serve as a backing file: a disk (`.qed`), a
 * raw base (`.raw`), an image base (`.qcow2`, `.vmdk`, `.vhd`, `.vhdx`, `.vdi`) or a snapshot
 * (`.qsnap`), with a plain file name. Throws `QedBackingError` otherwise (paths, `..`, hidden
 * files, cache and temporary files).
 */
export function classifyBackingFileName(name: string): BackingFileKind {
  if (!FILE_NAME_PATTERN.test(name)) {
    throw new QedBackingError(`backing name ${JSON.stringify(name.slice(0, 120))} is neither a URL nor a file of the qedisk folder`);
  }
  if (name.endsWith(DISK_FILE_SUFFIX) && isValidDiskName(name.slice(0, -DISK_FILE_SUFFIX.length))) return 'disk';
  if (rawBaseNameOfFile(name) !== null) return 'raw';
  if (keptImageOfFile(name) !== null) return 'image';
  const dot = name.lastIndexOf('.', name.length - SNAPSHOT_SUFFIX.length - 1);
  if (name.endsWith(SNAPSHOT_SUFFIX) && dot > 0 && snapshotIdOf(name.slice(0, dot), name) !== null) return 'snapshot';
  throw new QedBackingError(`backing name ${JSON.stringify(name)} is not a disk, raw base or snapshot file`);
}

/** The disk name a disk or raw base file belongs to (the part before the suffix). */
export function diskNameOfBackingFile(name: string, kind: BackingFileKind): string {
  if (kind === 'disk') return name.slice(0, -DISK_FILE_SUFFIX.length);
  if (kind === 'raw') return name.slice(0, -RAW_BASE_SUFFIX.length);
  if (kind === 'image') return keptImageOfFile(name)?.name ?? name;
  return name.slice(0, name.lastIndexOf('.', name.length - SNAPSHOT_SUFFIX.length - 1));
}
