/**
 * The page API: `openDisk`, `listDisks`, `deleteDisk` and `importDisk`. The worker does the work
 * (OPFS, locks, the engine); this side validates names, keeps the catalogue and revives errors.
 */
import * as Comlink from 'comlink';
import { QedArgumentError } from '../qed/errors.ts';
import { allRecords, deleteRecord, getRecord, putRecord } from './catalogue.ts';
import { validateDiskName } from '../protocol/disk-name.ts';
import { DiskNotFoundError } from '../protocol/errors.ts';
import type { BaseFormat, BaseSpec, DiskRecord, ImportProgress, OpenDiskOptions, OpfsDisk } from '../protocol/types.ts';
import type { OpenedDisk, StoredDisk, WorkerOpenOptions } from '../protocol/worker-api.ts';
import { callWorker } from './worker-connection.ts';
import { WorkerDisk } from './worker-disk.ts';

/** Options of `importDisk`. */
export interface ImportDiskOptions {
  /**
   * Called after each chunk (bytes done, bytes in all). A qcow2, VMDK, VHD, VHDX or VDI file is
   * imported in two phases, told apart by `phase`: `copy`, then `convert` (see `ImportProgress`).
   */
  onProgress?: (progress: ImportProgress) => void;
  /** Bytes per cluster of the disk made from a raw or other non-QED image; default 64 KiB. Ignored for QED files. */
  clusterSize?: number;
  /**
   * Keep the bytes as they are, as the raw base image `NAME.raw`, to put overlays on
   * (`openDisk(other, { create: { base: { kind: 'opfs', name } } })`). It is listed with
   * `format: 'raw'` and cannot be opened itself.
   */
  keepRaw?: boolean;
  /**
   * Keep the image as a base to put overlays on, instead of making a QED disk: a qcow2, VMDK,
   * dynamic VHD, VHDX or VDI file is kept as it is (`NAME.qcow2`, `.vmdk`, `.vhd`, `.vhdx`,
   * `.vdi`) once its reader has opened it, a raw image or a fixed VHD's data as the raw base
   * `NAME.raw`; a QED file becomes a disk as usual (a disk can be a base already). Listed with
   * its `format`; open an overlay on it with `base: { kind: 'opfs', name }`.
   */
  keepAsBase?: boolean;
}

/**
 * Opens disk `name`, creating it with `options.create` when it does not exist (an overlay of
 * `create.base` when given). Holds the disk's Web Lock (and a shared lock on an OPFS base) until
 * `close()`. Rejects with `QedArgumentError` (bad name or options), `DiskNotFoundError`,
 * `DiskBusyError` (open in another tab, or a base open for writing), `QedFormatError`,
 * `QedBackingError` (a base that is missing or not allowed), `QedBackingChangedError` (an HTTP base
 * that changed on the server), `QedIoError` (an HTTP base never cached, while offline), ...
 */
export async function openDisk(name: string, options: OpenDiskOptions = {}): Promise<OpfsDisk> {
  validateDiskName(name);
  const opened = await callWorker(name, (api) => api.open(name, cloneOpenOptions(options)));
  const disk = new WorkerDisk(opened);
  if (options.device !== undefined) return disk; // a custom worker's device: not a disk of the catalogue
  try {
    await recordOpened(opened);
  } catch (error) {
    await disk.close().catch(() => undefined);
    throw error;
  }
  return disk;
}

/**
 * The disks in this origin, by name: catalogue records for the disk files in OPFS (files without
 * a record get one made from their header). Records whose file is gone are dropped.
 */
export async function listDisks(): Promise<DiskRecord[]> {
  const [stored, records] = await Promise.all([callWorker('', (api) => api.list()), allRecords()]);
  const byName = new Map(records.map((record) => [record.name, record]));
  const present = new Set(stored.map((disk) => disk.name));
  await Promise.all(records.filter((record) => !present.has(record.name)).map((record) => deleteRecord(record.name)));
  return stored.map((disk) => byName.get(disk.name) ?? recordFromFile(disk));
}

/**
 * Deletes disk `name` and its catalogue record. Rejects with `DiskBusyError` while it is open
 * (here or in another tab) and `DiskNotFoundError` when there is no such disk.
 */
export async function deleteDisk(name: string): Promise<void> {
  validateDiskName(name);
  const existed = await callWorker(name, (api) => api.remove(name));
  const record = await getRecord(name);
  if (record) await deleteRecord(name);
  if (!existed && !record) throw new DiskNotFoundError(name);
}

/**
 * Makes disk `name` from `file`, streamed in chunks (never read whole into memory); its format is
 * probed from its bytes. A raw image (or a fixed VHD) becomes a sparse QED disk (its size rounded
 * up to 512 bytes; all-zero clusters stay unallocated); a file that starts with the QED magic is
 * taken as it is, then checked; a qcow2 (v2/v3, compressed too), VMDK (monolithicSparse,
 * streamOptimized), dynamic VHD, VHDX or VDI image is copied into a temporary OPFS file and read
 * through its reader into a sparse QED disk (zero and unallocated runs stay unallocated). Rejects
 * with `DiskExistsError`, `DiskBusyError`, `ImportBackingFileError` (an image with a backing
 * file: import a flattened copy), `ImageFormatError`, `ImageUnsupportedError`,
 * `ImageEncryptedError`, `ImageCorruptionError`, `QedCorruptionError`, `QedQuotaError`, ...
 */
export async function importDisk(name: string, file: Blob, options: ImportDiskOptions = {}): Promise<DiskRecord> {
  validateDiskName(name);
  if (!(file instanceof Blob)) throw new QedArgumentError('the source must be a Blob or File');
  const onProgress = options.onProgress;
  const progress = onProgress ? Comlink.proxy((update: ImportProgress) => onProgress(copyProgress(update))) : undefined;
  const importOptions = {
    ...(options.clusterSize === undefined ? {} : { clusterSize: options.clusterSize }),
    ...(options.keepRaw ? { keepRaw: true } : {}),
    ...(options.keepAsBase ? { keepAsBase: true } : {}),
  };
  const result = await callWorker(name, (api) => api.importDisk(name, file, importOptions, progress));
  const now = Date.now();
  const record: DiskRecord = { name, size: result.size, createdAt: now, lastOpenedAt: now, base: null, format: result.format ?? 'qed' };
  await putRecord(record);
  return record;
}

/** The known fields of an import progress report. */
function copyProgress(update: ImportProgress): ImportProgress {
  const phase = update.phase === 'copy' || update.phase === 'convert' ? update.phase : undefined;
  return phase === undefined ? { done: update.done, total: update.total } : { done: update.done, total: update.total, phase };
}

/** The formats an HTTP base may be declared in. */
const BASE_FORMATS: readonly BaseFormat[] = ['probe', 'raw', 'qed', 'qcow2', 'vmdk', 'vpc', 'vhdx', 'vdi'];

/** A structured-clone-safe copy of the known open options. */
function cloneOpenOptions(options: OpenDiskOptions): WorkerOpenOptions {
  const clone: WorkerOpenOptions = {};
  if (options.readOnly !== undefined) clone.readOnly = options.readOnly;
  if (options.device !== undefined) {
    if (typeof options.device !== 'string') throw new QedArgumentError('device must be a string');
    clone.device = options.device;
  }
  if (options.allowedOrigins !== undefined) {
    if (!Array.isArray(options.allowedOrigins) || !options.allowedOrigins.every((origin) => typeof origin === 'string')) {
      throw new QedArgumentError('allowedOrigins must be an array of origin strings');
    }
    clone.allowedOrigins = [...options.allowedOrigins];
  }
  if (options.create) {
    const { size, clusterSize, tableSize, base } = options.create;
    clone.create = {};
    if (size !== undefined) clone.create.size = size;
    if (clusterSize !== undefined) clone.create.clusterSize = clusterSize;
    if (tableSize !== undefined) clone.create.tableSize = tableSize;
    if (base !== undefined) clone.create.base = cloneBase(base);
  }
  return clone;
}

/** A structured-clone-safe copy of a base spec; `QedArgumentError` for a malformed one. */
function cloneBase(base: BaseSpec): BaseSpec {
  if (typeof base === 'object' && base !== null && base.kind === 'opfs' && typeof base.name === 'string') return { kind: 'opfs', name: base.name };
  if (typeof base === 'object' && base !== null && base.kind === 'url' && typeof base.url === 'string') {
    if (base.format !== undefined && !BASE_FORMATS.includes(base.format)) throw new QedArgumentError(`base format ${JSON.stringify(String(base.format))} must be one of ${BASE_FORMATS.join(', ')}`);
    return base.format === undefined ? { kind: 'url', url: base.url } : { kind: 'url', url: base.url, format: base.format };
  }
  throw new QedArgumentError("a base must be { kind: 'opfs', name } or { kind: 'url', url, format? }");
}

/** Creates or refreshes the catalogue record of a disk just opened (keeping its snapshot notes). */
async function recordOpened(opened: OpenedDisk): Promise<void> {
  const now = Date.now();
  const existing = opened.created ? null : await getRecord(opened.name);
  await putRecord({
    ...existing,
    name: opened.name,
    size: opened.size,
    createdAt: existing?.createdAt ?? now,
    lastOpenedAt: now,
    base: existing?.base ?? opened.base,
    format: 'qed',
  });
}

/** A record for a disk file the catalogue does not know. */
function recordFromFile(disk: StoredDisk): DiskRecord {
  return { name: disk.name, size: disk.virtualSize ?? 0, createdAt: disk.lastModified ?? 0, lastOpenedAt: 0, base: null, format: disk.format ?? 'qed' };
}
