/**
 * Giving a disk's space back (`compactDisk`): its QED files are compacted one by one, each
 * crash-safely through `compactFileInFolder` (a complete copy is renamed over the file). A disk
 * open in this page is compacted in its session's queue, its file closed meanwhile and reopened
 * afterwards (requests wait; its snapshots stay open under it and are left as they are); a disk
 * a VM is attached to is refused (the guest would stall for the whole compaction). A closed disk
 * is compacted under its lock, snapshots included. With `freeUnusedBlocks`, the clusters in free
 * blocks of its ext file system are discarded first (`discardFreeBlocks`), through a session
 * opened for that when the disk is closed.
 */
import { OpfsFile } from '../../src/backends/opfs-file.ts';
import type { SyncFile } from '../../src/engine/sync-file.ts';
import { PENDING_SUFFIX, SNAPSHOT_SUFFIX, keptBaseFileNames, snapshotIdOf } from '../../src/protocol/base-names.ts';
import { diskFileName } from '../../src/protocol/disk-name.ts';
import { DiskNotFoundError } from '../../src/protocol/errors.ts';
import { DiskAttachedError } from '../../src/protocol/files-errors.ts';
import type { CompactDiskProgress, CompactDiskResult, CompactedFile, FreeSpaceResult, WorkerCompactOptions } from '../../src/protocol/storage.ts';
import { QedCorruptionError, QedReadOnlyError } from '../../src/qed/errors.ts';
import type { DiskLock } from '../disk-lock.ts';
import type { DiskSession } from '../disk-session.ts';
import { isAttached } from '../files/attach-marks.ts';
import { findFile, openReadOnly, removeFile, renameFile } from '../opfs-folder.ts';
import { listSnapshotFiles, recoverSwap } from '../overlay-files.ts';
import { type CompactionFolder, compactFileInFolder, recoverReplacement } from './compact-file.ts';
import { discardFreeBlocks } from './free-blocks.ts';

/** Receives compaction progress; never awaited (a slow page does not hold the disk's queue). */
export type CompactProgressSink = (progress: CompactDiskProgress) => void;

/** What compacting a disk needs from the worker. */
export interface CompactDiskContext {
  /** The qedisk folder. */
  folder: FileSystemDirectoryHandle;
  /** The session of the disk when it is open in this page, else null. */
  live: DiskSession | null;
  /** Takes the disk's lock (for a disk not open here). */
  lock: () => Promise<DiskLock>;
  /** Opens the disk as a session under `lock` (which it must not release), for discarding free blocks of a closed disk. */
  openSession: (lock: DiskLock) => Promise<DiskSession>;
}

/** Compacts disk `name` (see the module comment). Rejects with `DiskNotFoundError`, `DiskBusyError`, `DiskAttachedError`, `QedReadOnlyError`, `QedCorruptionError`, `QedCompactionError`, `QedQuotaError`, ... */
export async function compactDisk(name: string, options: WorkerCompactOptions, context: CompactDiskContext, onProgress: CompactProgressSink): Promise<CompactDiskResult> {
  const { folder, live } = context;
  const opfs = opfsCompactionFolder(folder);
  const result: CompactDiskResult = { name, bytesBefore: 0, bytesAfter: 0, files: [], skipped: [], freeSpace: null };
  if (live) {
    if (live.readOnly) throw new QedReadOnlyError(`disk "${name}" is open read-only`);
    if (isAttached(live)) throw new DiskAttachedError(`disk "${name}" is attached to a VM: detach it (stop the VM) before compacting, the guest's requests would wait for the whole compaction`);
    if (options.freeUnusedBlocks) result.freeSpace = await live.runWrite(discardFreeBlocks);
    const fileName = diskFileName(name);
    const report = await live.replaceFile(() => compactFileInFolder(opfs, fileName, pacer(fileName, 0, 1, onProgress)));
    add(result, { file: fileName, ...report });
    for (const snapshot of await listSnapshotFiles(folder, name)) result.skipped.push({ file: `${name}.${snapshot.id}${SNAPSHOT_SUFFIX}`, reason: 'the disk is open in this page, which holds its snapshots open: close it to compact them' });
    return result;
  }
  const lock = await context.lock();
  try {
    await recoverSwap(folder, name);
    await recoverSnapshotReplacements(folder, name);
    if (!(await findFile(folder, diskFileName(name)))) {
      const kept = await Promise.all(keptBaseFileNames(name).map((file) => findFile(folder, file).then((found) => (found ? file : null))));
      const file = kept.find((found) => found !== null);
      if (!file) throw new DiskNotFoundError(name);
      result.skipped.push({ file, reason: 'a base kept in its own format is not compacted' });
      return result;
    }
    if (options.freeUnusedBlocks) result.freeSpace = await freeUnusedBlocks(await context.openSession(lock));
    const snapshots = options.snapshots === false ? [] : (await listSnapshotFiles(folder, name)).map((snapshot) => `${name}.${snapshot.id}${SNAPSHOT_SUFFIX}`);
    if (options.snapshots === false) for (const snapshot of await listSnapshotFiles(folder, name)) result.skipped.push({ file: `${name}.${snapshot.id}${SNAPSHOT_SUFFIX}`, reason: 'snapshots: false' });
    const files = [...snapshots, diskFileName(name)];
    for (const [index, file] of files.entries()) add(result, { file, ...(await compactFileInFolder(opfs, file, pacer(file, index, files.length, onProgress))) });
    return result;
  } finally {
    lock.release();
  }
}

/** Discards free blocks through `session` (opened for it), then closes it. */
async function freeUnusedBlocks(session: DiskSession): Promise<FreeSpaceResult> {
  try {
    return await session.runWrite(discardFreeBlocks);
  } finally {
    await session.close();
  }
}

/** Adds one compacted file to `result`. */
function add(result: CompactDiskResult, file: CompactedFile): void {
  result.files.push(file);
  result.bytesBefore += file.bytesBefore;
  result.bytesAfter += file.bytesAfter;
}

/** The pacer of file `file` (`fileIndex` of `fileCount`): reports progress and lets the event loop run. */
function pacer(file: string, fileIndex: number, fileCount: number, onProgress: CompactProgressSink): (progress: { done: number; total: number }) => Promise<void> {
  return async ({ done, total }) => {
    onProgress({ done, total, file, fileIndex, fileCount });
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
  };
}

/**
 * Finishes or drops the interrupted compactions of disk `name`'s snapshots (`NAME.<id>.qsnap.pending`,
 * see `recoverReplacement`). Run with the disk's file closed, before its chain is opened.
 */
export async function recoverSnapshotReplacements(folder: FileSystemDirectoryHandle, name: string): Promise<void> {
  const pending: string[] = [];
  for await (const [fileName, handle] of folder.entries()) {
    if (handle.kind !== 'file' || !fileName.endsWith(SNAPSHOT_SUFFIX + PENDING_SUFFIX)) continue;
    const snapshot = fileName.slice(0, -PENDING_SUFFIX.length);
    if (snapshotIdOf(name, snapshot) !== null) pending.push(snapshot);
  }
  const opfs = opfsCompactionFolder(folder);
  for (const snapshot of pending) await recoverReplacement(opfs, snapshot);
}

/** `CompactionFolder` over an OPFS folder (the caller holds the disk's lock or its queue). */
export function opfsCompactionFolder(folder: FileSystemDirectoryHandle): CompactionFolder {
  return {
    openRead: async (name): Promise<SyncFile> => openReadOnly(await folder.getFileHandle(name), name),
    async create(name): Promise<SyncFile> {
      await removeFile(folder, name);
      return OpfsFile.open(await folder.getFileHandle(name, { create: true }));
    },
    async size(name): Promise<number | null> {
      const handle = await findFile(folder, name);
      return handle ? (await handle.getFile()).size : null;
    },
    remove: (name) => removeFile(folder, name),
    async rename(from, to): Promise<void> {
      const handle = await findFile(folder, from);
      if (!handle) throw new QedCorruptionError(`${from} vanished during a compaction`);
      await renameFile(handle, to);
    },
  };
}
