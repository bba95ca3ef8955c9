/**
 * Handing out the disk of a VM save point for an export: the snapshot's own file and the
 * snapshots below it as they are (each names the next by file name, the last one names the HTTP
 * base or nothing), or the snapshot flattened into one standalone QED file.
 */
import { isUrlBackingName, snapshotFileName, snapshotIdOf } from '../../src/protocol/base-names.ts';
import { SnapshotNotFoundError } from '../../src/protocol/errors.ts';
import type { VmChainFiles, VmLevelFile } from '../../src/protocol/vm-saves.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import { QedCorruptionError } from '../../src/qed/errors.ts';
import { BackingChain } from '../backing-chain.ts';
import { exportFlattened } from '../flatten-export.ts';
import { findFile, openReadOnly } from '../opfs-folder.ts';
import { readOverlayHeader } from '../overlay-files.ts';

/** Deepest chain of snapshots followed (the engine refuses deeper chains). */
const MAX_LEVELS = 64;

/** The handle of snapshot `id` of disk `name`; `SnapshotNotFoundError` when it is gone. */
export async function snapshotHandle(folder: FileSystemDirectoryHandle, name: string, id: string): Promise<FileSystemFileHandle> {
  const handle = await findFile(folder, snapshotFileName(name, id));
  if (!handle) throw new SnapshotNotFoundError(name, `disk "${name}" has no snapshot ${id}`);
  return handle;
}

/** Snapshot `snapshotId` of disk `name` and every snapshot under it, top first, with the base below. */
export async function chainFiles(folder: FileSystemDirectoryHandle, name: string, snapshotId: string): Promise<VmChainFiles> {
  const levels: VmLevelFile[] = [];
  let id = snapshotId;
  let diskBytes = -1;
  for (;;) {
    if (levels.length >= MAX_LEVELS) throw new QedCorruptionError(`the snapshots of disk "${name}" are chained more than ${MAX_LEVELS} deep`);
    const handle = await snapshotHandle(folder, name, id);
    const header = await readOverlayHeader(handle);
    if (diskBytes < 0) diskBytes = header.imageSize;
    else if (header.imageSize !== diskBytes) throw new QedCorruptionError(`snapshot ${id} of disk "${name}" has another size than the snapshot above it`);
    levels.push({ id, file: await handle.getFile() });
    const below = header.backingName;
    if (below === null) return { diskBytes, levels, base: null, opfsBase: null };
    if (isUrlBackingName(below)) return { diskBytes, levels, base: { url: below, format: header.backingRaw ? 'raw' : 'probe' }, opfsBase: null };
    const next = snapshotIdOf(name, below);
    if (next === null) return { diskBytes, levels, base: null, opfsBase: below };
    id = next;
  }
}

/**
 * Writes snapshot `snapshotId` of disk `name` with everything under it merged into one standalone
 * QED file (`NAME.export`, replacing the last flattened export) and returns it. The snapshot and
 * its chain are opened read-only beside the disk's own handles; an HTTP base is read through its
 * cache (`allowedOrigins` as for `openDisk`).
 */
export async function flattenSnapshot(folder: FileSystemDirectoryHandle, name: string, snapshotId: string, allowedOrigins: readonly string[]): Promise<File> {
  const handle = await snapshotHandle(folder, name, snapshotId);
  const file = await openReadOnly(handle, snapshotFileName(name, snapshotId));
  const chain = new BackingChain(folder, name, allowedOrigins);
  let image: QedImage | null = null;
  try {
    image = await chain.open(() => QedImage.open(file, { readOnly: true, resolveBacking: chain.resolve }));
    const opened = image;
    return await exportFlattened(folder, name, opened, chain, async () => undefined);
  } finally {
    if (image) image.close();
    else file.close();
    chain.close();
  }
}
