/**
 * Reset, snapshots and deletion on the files of a disk whose file is closed (the caller holds the
 * disk's lock or its session's queue). Each replaces the disk's file by a new empty overlay of a
 * few KiB (O(1) whatever the disk size):
 * - reset: the new overlay sits on the disk's original base (below all its snapshots);
 * - snapshot: the disk's file becomes the read-only `NAME.<id>.qsnap`, the new overlay sits on it;
 * - restore: the new overlay sits on the chosen snapshot (later snapshots stay).
 */
import { EXPORT_SUFFIX, PENDING_SUFFIX, isUrlBackingName, isValidSnapshotId, rawBaseFileName, snapshotFileName, snapshotIdOf } from '../src/protocol/base-names.ts';
import { DiskInUseError, SnapshotNotFoundError } from '../src/protocol/errors.ts';
import { diskFileName } from '../src/protocol/disk-name.ts';
import type { SnapshotFile } from '../src/protocol/worker-api.ts';
import { QedArgumentError, QedCorruptionError } from '../src/qed/errors.ts';
import { dependentsOf, listSnapshotFiles, nextSnapshotId, overlayLike, readOverlayHeader, swapInOverlay } from './overlay-files.ts';
import { findFile, removeFile, renameFile } from './opfs-folder.ts';
import { removeRemoteCache } from './remote-bases.ts';

/** The disk's file handle; `QedCorruptionError` when it is missing (the caller checked the disk exists). */
async function diskFile(folder: FileSystemDirectoryHandle, name: string): Promise<FileSystemFileHandle> {
  const handle = await findFile(folder, diskFileName(name));
  if (!handle) throw new QedCorruptionError(`the file of disk "${name}" is missing`);
  return handle;
}

/** The base below disk `name`'s snapshots: the first backing name in the chain that is not one of its snapshots. */
async function originalBase(folder: FileSystemDirectoryHandle, name: string, top: FileSystemFileHandle): Promise<{ name: string | null; raw: boolean }> {
  let header = await readOverlayHeader(top);
  for (let depth = 0; header.backingName !== null && snapshotIdOf(name, header.backingName) !== null; depth++) {
    const snapshot = await findFile(folder, header.backingName);
    if (!snapshot || depth > 64) throw new QedCorruptionError(`snapshot chain of disk "${name}" is broken at "${header.backingName}"`);
    header = await readOverlayHeader(snapshot);
  }
  return { name: header.backingName, raw: header.backingRaw };
}

/**
 * Replaces disk `name`'s overlay by an empty one on its original base. Throws `QedArgumentError`
 * for a disk without a base (resetting it would erase it; restore a snapshot instead).
 */
export async function resetOverlay(folder: FileSystemDirectoryHandle, name: string): Promise<void> {
  const top = await diskFile(folder, name);
  const header = await readOverlayHeader(top);
  const base = await originalBase(folder, name, top);
  if (base.name === null) throw new QedArgumentError(`disk "${name}" has no base image to reset to`);
  await swapInOverlay(folder, name, overlayLike(header, base.name, base.raw), async () => undefined);
}

/** Freezes disk `name`'s overlay as a new snapshot and puts an empty overlay on it; returns the snapshot. */
export async function takeSnapshot(folder: FileSystemDirectoryHandle, name: string): Promise<SnapshotFile> {
  const top = await diskFile(folder, name);
  const header = await readOverlayHeader(top);
  const id = nextSnapshotId((await listSnapshotFiles(folder, name)).map((snapshot) => snapshot.id));
  const frozen = snapshotFileName(name, id);
  await swapInOverlay(folder, name, overlayLike(header, frozen, false), () => renameFile(top, frozen));
  const taken = (await listSnapshotFiles(folder, name)).find((snapshot) => snapshot.id === id);
  if (!taken) throw new QedCorruptionError(`snapshot ${id} of disk "${name}" vanished`);
  return taken;
}

/** The handle of snapshot `id` of disk `name`; `SnapshotNotFoundError` when there is none. */
async function snapshotHandle(folder: FileSystemDirectoryHandle, name: string, id: unknown): Promise<{ id: string; fileName: string; handle: FileSystemFileHandle }> {
  const handle = isValidSnapshotId(id) ? await findFile(folder, snapshotFileName(name, id)) : null;
  if (!isValidSnapshotId(id) || !handle) throw new SnapshotNotFoundError(name, `disk "${name}" has no snapshot ${JSON.stringify(id)}`);
  return { id, fileName: snapshotFileName(name, id), handle };
}

/** Replaces disk `name`'s overlay by an empty one on snapshot `id`. */
export async function restoreOverlay(folder: FileSystemDirectoryHandle, name: string, id: unknown): Promise<void> {
  const snapshot = await snapshotHandle(folder, name, id);
  const header = await readOverlayHeader(await diskFile(folder, name));
  const frozen = await readOverlayHeader(snapshot.handle);
  await swapInOverlay(folder, name, overlayLike({ ...header, imageSize: frozen.imageSize }, snapshot.fileName, false), async () => undefined);
}

/** Deletes snapshot `id` of disk `name`; `DiskInUseError` while the overlay or another snapshot sits on it. */
export async function removeSnapshot(folder: FileSystemDirectoryHandle, name: string, id: unknown): Promise<void> {
  const snapshot = await snapshotHandle(folder, name, id);
  const dependents = await dependentsOf(folder, snapshot.fileName);
  if (dependents.length > 0) {
    throw new DiskInUseError(name, `snapshot ${snapshot.id} of disk "${name}" cannot be deleted: ${dependents.join(', ')} sit${dependents.length === 1 ? 's' : ''} on it`);
  }
  await removeFile(folder, snapshot.fileName);
}

/**
 * Deletes every file of disk `name` (its file or raw base, snapshots, pending overlay and
 * export), and the cache of an HTTP base no other disk names any more; resolves false when it
 * had no file. `DiskInUseError` while another disk sits on it.
 */
export async function removeDiskFiles(folder: FileSystemDirectoryHandle, name: string): Promise<boolean> {
  const main = [diskFileName(name), rawBaseFileName(name)];
  const users = (await Promise.all(main.map((fileName) => dependentsOf(folder, fileName)))).flat();
  if (users.length > 0) throw new DiskInUseError(name, `disk "${name}" is the base of ${users.join(', ')}: delete ${users.length === 1 ? 'it' : 'them'} first`);
  const snapshots = (await listSnapshotFiles(folder, name)).map((snapshot) => snapshotFileName(name, snapshot.id));
  const urls = new Set<string>();
  for (const fileName of [diskFileName(name), ...snapshots]) {
    const handle = await findFile(folder, fileName);
    const backing = handle ? await readOverlayHeader(handle).then((header) => header.backingName, () => null) : null;
    if (backing !== null && isUrlBackingName(backing)) urls.add(backing);
  }
  let existed = false;
  for (const fileName of [...main, ...snapshots]) existed = (await removeFile(folder, fileName)) || existed;
  await removeFile(folder, diskFileName(name) + PENDING_SUFFIX);
  await removeFile(folder, name + EXPORT_SUFFIX);
  for (const url of urls) if ((await dependentsOf(folder, url)).length === 0) await removeRemoteCache(url);
  return existed;
}
