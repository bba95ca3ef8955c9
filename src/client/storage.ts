/**
 * The origin's storage: how much is used, how much is allowed, asking to keep it, where it goes
 * (`storageReport`) and giving it back (`compactDisk`, `freeBaseCache`).
 */
import * as Comlink from 'comlink';
import { validateDiskName } from '../protocol/disk-name.ts';
import type { CompactDiskProgress, CompactDiskResult, StorageReport, WorkerCompactOptions } from '../protocol/storage.ts';
import { QedArgumentError } from '../qed/errors.ts';
import { callWorker } from './worker-connection.ts';

/** Usage and quota of the origin's storage, in bytes (0 when the browser does not say). */
export interface StorageUsage {
  /** Bytes used by the origin (OPFS, IndexedDB, caches, ...). */
  usage: number;
  /** Bytes the origin may use. */
  quota: number;
}

/** The browser's estimate of the origin's usage and quota (`navigator.storage.estimate()`). */
export async function storageEstimate(): Promise<StorageUsage> {
  const estimate = await navigator.storage.estimate();
  return { usage: estimate.usage ?? 0, quota: estimate.quota ?? 0 };
}

/**
 * Asks the browser not to evict the origin's storage under pressure (`navigator.storage.persist()`).
 * Resolves true when storage is (now) persistent.
 */
export async function requestPersistence(): Promise<boolean> {
  if (await navigator.storage.persisted()) return true;
  return navigator.storage.persist();
}

/**
 * Where the origin's storage goes: every disk's file, snapshots and export with their bytes and
 * what compacting would give back, the HTTP base caches, stray files of unfinished operations,
 * the other folders of the origin's private file system, and the browser's `estimate()` (null
 * when it has none) and persistence state. Reads headers and tables, never disk data. Files held
 * open by another tab (and disks open in this page) have `reclaimableBytes: null`.
 */
export async function storageReport(): Promise<StorageReport> {
  const [files, estimate, persisted] = await Promise.all([
    callWorker('', (api) => api.storageReport()),
    navigator.storage.estimate ? navigator.storage.estimate().then((found) => ({ usage: found.usage ?? 0, quota: found.quota ?? 0 }), () => null) : Promise.resolve(null),
    navigator.storage.persisted ? navigator.storage.persisted().catch(() => false) : Promise.resolve(false),
  ]);
  return { ...files, estimate, persisted };
}

/** Options of `compactDisk`. */
export interface CompactDiskOptions extends WorkerCompactOptions {
  /** Called as each file is compacted (bytes of its referenced data examined, which file). */
  onProgress?: (progress: CompactDiskProgress) => void;
}

/**
 * Rewrites disk `name`'s QED files without what nothing references (leaks, discarded clusters)
 * and without all-zero clusters, each crash-safely (a complete, checked copy is renamed over the
 * file: a crash leaves the old or the new file). Backing names and snapshots keep their meaning.
 * A disk open in this page is compacted in its request queue (its requests wait meanwhile; its
 * snapshots are skipped); a closed disk is compacted under its lock, snapshots too unless
 * `snapshots: false`. With `freeUnusedBlocks`, what the guest's clean ext2/3/4 file system marks
 * free is discarded first. Needs free quota for one file's compacted copy. Rejects with
 * `DiskNotFoundError`, `DiskBusyError` (open in another tab), `DiskAttachedError` (a VM is
 * attached: stop it first), `QedReadOnlyError`, `QedCorruptionError` (repair first),
 * `QedCompactionError`, `QedQuotaError`, ... On failure the disk's files are as they were.
 */
export async function compactDisk(name: string, options: CompactDiskOptions = {}): Promise<CompactDiskResult> {
  validateDiskName(name);
  const { onProgress } = options;
  const progress = onProgress ? Comlink.proxy((update: CompactDiskProgress) => onProgress({ ...update })) : undefined;
  const workerOptions: WorkerCompactOptions = {
    ...(options.snapshots === undefined ? {} : { snapshots: options.snapshots }),
    ...(options.freeUnusedBlocks === undefined ? {} : { freeUnusedBlocks: options.freeUnusedBlocks }),
  };
  return callWorker(name, (api) => api.compactDisk(name, workerOptions, progress));
}

/**
 * Deletes the chunk cache of an HTTP base (`BaseCacheReport.id` of `storageReport()`) and
 * resolves with the bytes freed; the disks on that base fetch what they read again (and need the
 * network for it). Rejects with `StorageInUseError` while a disk open in this page or another tab
 * reads through it, `BaseCacheNotFoundError`, `QedArgumentError` for a malformed id.
 */
export function freeBaseCache(id: string): Promise<number> {
  if (typeof id !== 'string') return Promise.reject(new QedArgumentError('a base cache id must be a string'));
  return callWorker('', (api) => api.freeBaseCache(id));
}
