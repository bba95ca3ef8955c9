/**
 * The qedisk folder in the origin-private file system: finding, listing, removing and renaming
 * disk files, and opening sync access handles with a bounded retry for handles a closing page
 * still holds.
 */
import { OpfsFile, rethrowUnsupported } from '../src/backends/opfs-file.ts';
import type { SyncFile } from '../src/engine/sync-file.ts';
import { DiskBusyError } from '../src/protocol/errors.ts';
import { rawBaseNameOfFile } from '../src/protocol/base-names.ts';
import { DISK_FOLDER_NAME, diskNameOfFile } from '../src/protocol/disk-name.ts';
import type { StoredDisk } from '../src/protocol/worker-api.ts';
import { HEADER_STRUCT_SIZE_BYTES } from '../src/qed/constants.ts';
import { QedIoError, StorageUnsupportedError } from '../src/qed/errors.ts';
import { decodeHeader } from '../src/qed/header.ts';
import { RELEASE_WAIT_MS, RETRY_STEP_MS, sleep } from './timing.ts';

/**
 * The folder that holds every disk (created on first use). Rejects with `StorageUnsupportedError`
 * when this context has no origin-private file system (an insecure origin, a private window in
 * some browsers, storage blocked by the user).
 */
export async function diskFolder(): Promise<FileSystemDirectoryHandle> {
  let root: FileSystemDirectoryHandle;
  try {
    root = await navigator.storage.getDirectory();
  } catch (error) {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new StorageUnsupportedError(`the origin-private file system is not available in this window (${detail}); a private window or blocked storage can cause this`, ['origin-private file system']);
  }
  return root.getDirectoryHandle(DISK_FOLDER_NAME, { create: true });
}

/** The handle of `fileName` in `folder`, or null when there is no such file. */
export async function findFile(folder: FileSystemDirectoryHandle, fileName: string): Promise<FileSystemFileHandle | null> {
  try {
    return await folder.getFileHandle(fileName);
  } catch (error) {
    if (hasName(error, 'NotFoundError') || hasName(error, 'TypeMismatchError')) return null;
    throw error;
  }
}

/** Removes `fileName` from `folder`; resolves false when it did not exist. */
export async function removeFile(folder: FileSystemDirectoryHandle, fileName: string): Promise<boolean> {
  try {
    await folder.removeEntry(fileName);
    return true;
  } catch (error) {
    if (hasName(error, 'NotFoundError')) return false;
    throw error;
  }
}

/**
 * Opens a sync access handle on `fileHandle`. While another handle on the file is still open
 * (a page being reloaded), retries for `RELEASE_WAIT_MS`, then rejects with `DiskBusyError`.
 */
export function openWithRetry(fileHandle: FileSystemFileHandle, diskName: string): Promise<OpfsFile> {
  return retryWhileHeld(() => OpfsFile.open(fileHandle), () => new DiskBusyError(diskName, `disk "${diskName}" is still held open by another page`));
}

/**
 * Opens a read-only sync access handle on `fileHandle` (several may be open at once, none for
 * writing meanwhile), retrying like `openWithRetry` while a writer still holds the file, for
 * `waitMs` milliseconds (0: one attempt).
 */
export function openReadOnly(fileHandle: FileSystemFileHandle, label: string, waitMs = RELEASE_WAIT_MS): Promise<OpfsFile> {
  const create: unknown = Reflect.get(fileHandle, 'createSyncAccessHandle');
  if (typeof create !== 'function') return OpfsFile.open(fileHandle);
  return retryWhileHeld(
    async () => {
      const handle: unknown = await Promise.resolve(create.call(fileHandle, { mode: 'read-only' })).catch(rethrowUnsupported);
      if (!isSyncHandle(handle)) throw new QedIoError('createSyncAccessHandle returned no handle');
      return OpfsFile.wrap(handle);
    },
    () => new DiskBusyError(label, `"${label}" is held open for writing`),
    waitMs,
  );
}

/**
 * Runs `open` until it succeeds, retrying every `RETRY_STEP_MS` while the file is held by another
 * handle (`NoModificationAllowedError`, `InvalidStateError`); after `waitMs` rejects with
 * `busy()`. Other failures reject at once.
 */
async function retryWhileHeld<T>(open: () => Promise<T>, busy: () => Error, waitMs = RELEASE_WAIT_MS): Promise<T> {
  const start = Date.now();
  for (;;) {
    try {
      return await open();
    } catch (error) {
      if (!hasName(error, 'NoModificationAllowedError') && !hasName(error, 'InvalidStateError')) throw error;
      if (Date.now() - start >= waitMs) throw busy();
      await sleep(RETRY_STEP_MS);
    }
  }
}

/** True when `value` has the methods of a sync access handle. */
function isSyncHandle(value: unknown): value is SyncFile {
  if (typeof value !== 'object' || value === null) return false;
  return ['read', 'write', 'getSize', 'truncate', 'flush', 'close'].every((method) => typeof Reflect.get(value, method) === 'function');
}

/** Renames `fileHandle` to `newName` in its folder (`FileSystemHandle.move`, which OPFS has). */
export async function renameFile(fileHandle: FileSystemFileHandle, newName: string): Promise<void> {
  const move: unknown = Reflect.get(fileHandle, 'move');
  if (typeof move !== 'function') throw new QedIoError('this browser cannot rename OPFS files (FileSystemHandle.move is missing)');
  await Promise.resolve(move.call(fileHandle, newName));
}

/**
 * The disk files (`.qed`) and raw base files (`.raw`) in `folder`, with the virtual size read
 * from each header (a raw base's virtual size is its length) when readable.
 */
export async function listDiskFiles(folder: FileSystemDirectoryHandle): Promise<StoredDisk[]> {
  const disks: StoredDisk[] = [];
  for await (const [fileName, handle] of folder.entries()) {
    if (handle.kind !== 'file') continue;
    const name = diskNameOfFile(fileName);
    const rawName = name === null ? rawBaseNameOfFile(fileName) : null;
    if (name !== null) disks.push(await describe(name, await folder.getFileHandle(fileName), 'qed'));
    else if (rawName !== null) disks.push(await describe(rawName, await folder.getFileHandle(fileName), 'raw'));
  }
  return disks.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Size, date and virtual size of one disk file; nulls for what cannot be read now. */
async function describe(name: string, fileHandle: FileSystemFileHandle, format: 'qed' | 'raw'): Promise<StoredDisk> {
  try {
    const file = await fileHandle.getFile();
    let virtualSize: number | null = format === 'raw' ? file.size : null;
    if (format === 'qed') {
      try {
        virtualSize = decodeHeader(new Uint8Array(await file.slice(0, HEADER_STRUCT_SIZE_BYTES).arrayBuffer())).imageSize;
      } catch {
        virtualSize = null;
      }
    }
    return { name, virtualSize, physicalSize: file.size, lastModified: file.lastModified, format };
  } catch {
    return { name, virtualSize: null, physicalSize: null, lastModified: null, format };
  }
}

/** True when `error` is an error (or DOMException) named `name`. */
export function hasName(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}
