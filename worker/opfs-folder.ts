/**
 * The qedisk folder in the origin-private file system: finding, listing, removing and renaming
 * disk files, and opening sync access handles with a bounded retry for handles a closing page
 * still holds.
 */
import { OpfsFile } from '../src/backends/opfs-file.ts';
import { DiskBusyError } from '../src/client/errors.ts';
import { DISK_FOLDER_NAME, diskNameOfFile } from '../src/client/disk-name.ts';
import type { StoredDisk } from '../src/client/worker-api.ts';
import { HEADER_STRUCT_SIZE_BYTES } from '../src/qed/constants.ts';
import { QedIoError } from '../src/qed/errors.ts';
import { decodeHeader } from '../src/qed/header.ts';
import { RELEASE_WAIT_MS, RETRY_STEP_MS, sleep } from './timing.ts';

/** The folder that holds every disk (created on first use). */
export async function diskFolder(): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
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
export async function openWithRetry(fileHandle: FileSystemFileHandle, diskName: string): Promise<OpfsFile> {
  const start = Date.now();
  for (;;) {
    try {
      return await OpfsFile.open(fileHandle);
    } catch (error) {
      if (!hasName(error, 'NoModificationAllowedError') && !hasName(error, 'InvalidStateError')) throw error;
      if (Date.now() - start >= RELEASE_WAIT_MS) throw new DiskBusyError(diskName, `disk "${diskName}" is still held open by another page`);
      await sleep(RETRY_STEP_MS);
    }
  }
}

/** Renames `fileHandle` to `newName` in its folder (`FileSystemHandle.move`, which OPFS has). */
export async function renameFile(fileHandle: FileSystemFileHandle, newName: string): Promise<void> {
  const move: unknown = Reflect.get(fileHandle, 'move');
  if (typeof move !== 'function') throw new QedIoError('this browser cannot rename OPFS files (FileSystemHandle.move is missing)');
  await Promise.resolve(move.call(fileHandle, newName));
}

/** The disk files in `folder`, with the virtual size read from each header when readable. */
export async function listDiskFiles(folder: FileSystemDirectoryHandle): Promise<StoredDisk[]> {
  const disks: StoredDisk[] = [];
  for await (const [fileName, handle] of folder.entries()) {
    const name = diskNameOfFile(fileName);
    if (name === null || handle.kind !== 'file') continue;
    disks.push(await describe(name, await folder.getFileHandle(fileName)));
  }
  return disks.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Size, date and virtual size of one disk file; nulls for what cannot be read now. */
async function describe(name: string, fileHandle: FileSystemFileHandle): Promise<StoredDisk> {
  try {
    const file = await fileHandle.getFile();
    let virtualSize: number | null = null;
    try {
      virtualSize = decodeHeader(new Uint8Array(await file.slice(0, HEADER_STRUCT_SIZE_BYTES).arrayBuffer())).imageSize;
    } catch {
      virtualSize = null;
    }
    return { name, virtualSize, physicalSize: file.size, lastModified: file.lastModified };
  } catch {
    return { name, virtualSize: null, physicalSize: null, lastModified: null };
  }
}

/** True when `error` is an error (or DOMException) named `name`. */
export function hasName(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}
