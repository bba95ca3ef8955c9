/**
 * The files of one overlay disk in OPFS, handled without opening its backing chain: reading a
 * header's size and backing name, writing a new empty overlay, swapping it in for the disk's file
 * through a `.pending` file (so an interrupted swap is finished on the next open), and finding
 * snapshots and what depends on them.
 */
import { MemoryFile } from '../src/backends/memory-file.ts';
import { OpfsFile } from '../src/backends/opfs-file.ts';
import { PENDING_SUFFIX, SNAPSHOT_SUFFIX, snapshotFileName, snapshotIdOf } from '../src/protocol/base-names.ts';
import { DISK_FILE_SUFFIX, diskFileName } from '../src/protocol/disk-name.ts';
import type { SnapshotFile } from '../src/protocol/worker-api.ts';
import { QedImage } from '../src/engine/qed-image.ts';
import type { BackingSpec } from '../src/engine/types.ts';
import { HEADER_STRUCT_SIZE_BYTES, MAX_BACKING_NAME_BYTES } from '../src/qed/constants.ts';
import { QedCorruptionError } from '../src/qed/errors.ts';
import { decodeBackingName, decodeHeader, hasBackingFile, isBackingRaw } from '../src/qed/header.ts';
import { findFile, removeFile, renameFile } from './opfs-folder.ts';

/** What an overlay's header says about its shape and base. */
export interface OverlayHeader {
  /** Virtual size in bytes. */
  imageSize: number;
  /** Bytes per cluster. */
  clusterSize: number;
  /** Clusters per table. */
  tableSize: number;
  /** The backing name, or null. */
  backingName: string | null;
  /** True when the raw bit is set. */
  backingRaw: boolean;
}

/** Shape and base of a new empty overlay. */
export interface OverlaySpec {
  /** Virtual size in bytes. */
  size: number;
  /** Bytes per cluster. */
  clusterSize: number;
  /** Clusters per table. */
  tableSize: number;
  /** Its backing file, or null for a blank disk. */
  backing: BackingSpec | null;
}

/** Reads the header of the QED file behind `handle` (works while sync handles are open on it). */
export async function readOverlayHeader(handle: FileSystemFileHandle): Promise<OverlayHeader> {
  const file = await handle.getFile();
  const header = decodeHeader(new Uint8Array(await file.slice(0, HEADER_STRUCT_SIZE_BYTES).arrayBuffer()));
  let backingName: string | null = null;
  if (hasBackingFile(header)) {
    const { backingFilenameOffset: at, backingFilenameSize: size } = header;
    if (size === 0 || size > MAX_BACKING_NAME_BYTES || at + size > file.size) throw new QedCorruptionError(`${handle.name}: the backing name lies outside the file`);
    backingName = decodeBackingName(new Uint8Array(await file.slice(at, at + size).arrayBuffer()));
  }
  return { imageSize: header.imageSize, clusterSize: header.clusterSize, tableSize: header.tableSize, backingName, backingRaw: isBackingRaw(header) };
}

/** The spec of an empty overlay shaped like `header`, on `backingName` (raw when `backingRaw`). */
export function overlayLike(header: OverlayHeader, backingName: string | null, backingRaw: boolean): OverlaySpec {
  return {
    size: header.imageSize,
    clusterSize: header.clusterSize,
    tableSize: header.tableSize,
    backing: backingName === null ? null : { name: backingName, format: backingRaw ? 'raw' : 'probe' },
  };
}

/**
 * Writes a new empty overlay `fileName` (replacing any file of that name) without opening its
 * base: the header names the base, nothing else is read. A few KiB whatever the disk size.
 */
export async function writeOverlay(folder: FileSystemDirectoryHandle, fileName: string, spec: OverlaySpec): Promise<void> {
  await removeFile(folder, fileName);
  const handle = await folder.getFileHandle(fileName, { create: true });
  const file = await OpfsFile.open(handle);
  try {
    const image = QedImage.create(file, {
      size: spec.size,
      clusterSize: spec.clusterSize,
      tableSize: spec.tableSize,
      ...(spec.backing ? { backing: spec.backing } : {}),
      resolveBacking: () => new MemoryFile(), // a stand-in: the base is only named here
    });
    image.close();
  } catch (error) {
    file.close();
    await removeFile(folder, fileName).catch(() => false);
    throw error;
  }
}

/**
 * Replaces disk `diskName`'s file by a new empty overlay: writes `NAME.qed.pending`, runs
 * `beforeSwap` (which moves or removes the old file), then renames the pending file into place.
 * The disk's file must not be open.
 */
export async function swapInOverlay(folder: FileSystemDirectoryHandle, diskName: string, spec: OverlaySpec, beforeSwap: () => Promise<void>): Promise<void> {
  const pendingName = diskFileName(diskName) + PENDING_SUFFIX;
  await writeOverlay(folder, pendingName, spec);
  await beforeSwap();
  const pending = await findFile(folder, pendingName);
  if (!pending) throw new QedCorruptionError(`${pendingName} vanished during the swap`);
  await removeFile(folder, diskFileName(diskName));
  await renameFile(pending, diskFileName(diskName));
}

/** Finishes or drops an interrupted swap: a pending overlay replaces a missing or empty disk file, and is dropped otherwise. */
export async function recoverSwap(folder: FileSystemDirectoryHandle, diskName: string): Promise<void> {
  const pendingName = diskFileName(diskName) + PENDING_SUFFIX;
  const pending = await findFile(folder, pendingName);
  if (!pending) return;
  const current = await findFile(folder, diskFileName(diskName));
  if (current && (await current.getFile()).size > 0) {
    await removeFile(folder, pendingName);
    return;
  }
  await removeFile(folder, diskFileName(diskName));
  await renameFile(pending, diskFileName(diskName));
}

/** A new snapshot id for disk `diskName`: the time in milliseconds, made larger than every existing id. */
export function nextSnapshotId(existing: readonly string[]): string {
  const last = existing.reduce((max, id) => (BigInt(id) > max ? BigInt(id) : max), 0n);
  const now = BigInt(Date.now());
  return String(now > last ? now : last + 1n);
}

/** The snapshots of disk `diskName`, oldest first, with what each sits on and what sits on it. */
export async function listSnapshotFiles(folder: FileSystemDirectoryHandle, diskName: string): Promise<SnapshotFile[]> {
  const found: Array<{ id: string; handle: FileSystemFileHandle }> = [];
  for await (const [fileName, handle] of folder.entries()) {
    const id = handle.kind === 'file' ? snapshotIdOf(diskName, fileName) : null;
    if (id !== null) found.push({ id, handle: await folder.getFileHandle(fileName) });
  }
  found.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  const top = await findFile(folder, diskFileName(diskName));
  const topBacking = top ? await backingNameOf(top) : null;
  const snapshots = await Promise.all(found.map(async ({ id, handle }) => ({ id, handle, file: await handle.getFile().catch(() => null), backing: await backingNameOf(handle) })));
  return snapshots.map(({ id, file, backing }) => {
    const fileName = snapshotFileName(diskName, id);
    const dependents = snapshots.filter((other) => other.backing === fileName).map((other) => snapshotFileName(diskName, other.id));
    if (topBacking === fileName) dependents.push(diskFileName(diskName));
    return {
      id,
      physicalSize: file?.size ?? null,
      lastModified: file?.lastModified ?? null,
      parentId: backing === null ? null : snapshotIdOf(diskName, backing),
      current: topBacking === fileName,
      dependents,
    };
  });
}

/** The disk and snapshot files of the folder whose header names `fileName` as backing file. */
export async function dependentsOf(folder: FileSystemDirectoryHandle, fileName: string): Promise<string[]> {
  const dependents: string[] = [];
  for await (const [name, handle] of folder.entries()) {
    if (handle.kind !== 'file' || name === fileName || !(name.endsWith(DISK_FILE_SUFFIX) || name.endsWith(SNAPSHOT_SUFFIX))) continue;
    if ((await backingNameOf(await folder.getFileHandle(name))) === fileName) dependents.push(name);
  }
  return dependents.sort();
}

/** The backing name in `handle`'s header, or null (also for a file that cannot be read as QED). */
async function backingNameOf(handle: FileSystemFileHandle): Promise<string | null> {
  try {
    return (await readOverlayHeader(handle)).backingName;
  } catch {
    return null;
  }
}
