/**
 * The page API: `openDisk`, `listDisks`, `deleteDisk` and `importDisk`. The worker does the work
 * (OPFS, locks, the engine); this side validates names, keeps the catalogue and revives errors.
 */
import * as Comlink from 'comlink';
import { QedArgumentError } from '../qed/errors.ts';
import { allRecords, deleteRecord, getRecord, putRecord } from './catalogue.ts';
import { validateDiskName } from './disk-name.ts';
import { DiskNotFoundError } from './errors.ts';
import type { Disk, DiskRecord, OpenDiskOptions, Progress } from './types.ts';
import type { OpenedDisk, StoredDisk, WorkerOpenOptions } from './worker-api.ts';
import { callWorker } from './worker-connection.ts';
import { WorkerDisk } from './worker-disk.ts';

/** Options of `importDisk`. */
export interface ImportDiskOptions {
  /** Called after each chunk of the source (bytes done, bytes in all). */
  onProgress?: (progress: Progress) => void;
  /** Bytes per cluster of the disk made from a raw image; default 64 KiB. Ignored for QED files. */
  clusterSize?: number;
}

/**
 * Opens disk `name`, creating it with `options.create` when it does not exist. Holds the disk's
 * Web Lock until `close()`. Rejects with `QedArgumentError` (bad name or options),
 * `DiskNotFoundError`, `DiskBusyError` (open in another tab), `QedFormatError`, ...
 */
export async function openDisk(name: string, options: OpenDiskOptions = {}): Promise<Disk> {
  validateDiskName(name);
  const opened = await callWorker(name, (api) => api.open(name, cloneOpenOptions(options)));
  const disk = new WorkerDisk(opened);
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
 * Makes disk `name` from `file`, streamed in chunks (never read whole into memory). A raw image
 * becomes a sparse QED disk (its size rounded up to 512 bytes; all-zero clusters stay
 * unallocated); a file that starts with the QED magic is taken as it is, then checked. Rejects
 * with `DiskExistsError`, `DiskBusyError`, `QedCorruptionError`, `QedBackingError`, ...
 */
export async function importDisk(name: string, file: Blob, options: ImportDiskOptions = {}): Promise<DiskRecord> {
  validateDiskName(name);
  if (!(file instanceof Blob)) throw new QedArgumentError('the source must be a Blob or File');
  const onProgress = options.onProgress;
  const progress = onProgress ? Comlink.proxy((update: Progress) => onProgress({ done: update.done, total: update.total })) : undefined;
  const importOptions = options.clusterSize === undefined ? {} : { clusterSize: options.clusterSize };
  const result = await callWorker(name, (api) => api.importDisk(name, file, importOptions, progress));
  const now = Date.now();
  const record: DiskRecord = { name, size: result.size, createdAt: now, lastOpenedAt: now, base: null };
  await putRecord(record);
  return record;
}

/** A structured-clone-safe copy of the known open options. */
function cloneOpenOptions(options: OpenDiskOptions): WorkerOpenOptions {
  const clone: WorkerOpenOptions = {};
  if (options.readOnly !== undefined) clone.readOnly = options.readOnly;
  if (options.create) {
    const { size, clusterSize, tableSize } = options.create;
    clone.create = { size };
    if (clusterSize !== undefined) clone.create.clusterSize = clusterSize;
    if (tableSize !== undefined) clone.create.tableSize = tableSize;
  }
  return clone;
}

/** Creates or refreshes the catalogue record of a disk just opened. */
async function recordOpened(opened: OpenedDisk): Promise<void> {
  const now = Date.now();
  const existing = opened.created ? null : await getRecord(opened.name);
  await putRecord({
    name: opened.name,
    size: opened.size,
    createdAt: existing?.createdAt ?? now,
    lastOpenedAt: now,
    base: existing?.base ?? null,
  });
}

/** A record for a disk file the catalogue does not know. */
function recordFromFile(disk: StoredDisk): DiskRecord {
  return { name: disk.name, size: disk.virtualSize ?? 0, createdAt: disk.lastModified ?? 0, lastOpenedAt: 0, base: null };
}
