/** Opening (or creating) a disk's `.qed` file in OPFS as a `DiskSession`, once its lock is held. */
import { QedImage } from '../src/engine/qed-image.ts';
import { DiskNotFoundError } from '../src/client/errors.ts';
import { diskFileName } from '../src/client/disk-name.ts';
import type { WorkerOpenOptions } from '../src/client/worker-api.ts';
import type { DiskLock } from './disk-lock.ts';
import { DiskSession } from './disk-session.ts';
import { diskFolder, findFile, openWithRetry, removeFile } from './opfs-folder.ts';

/**
 * Opens disk `name` under `lock` (which the session then owns; on failure the caller keeps it).
 * An empty file counts as missing (a creation that never finished). Rejects with
 * `DiskNotFoundError` when the disk is missing and `options.create` is absent.
 */
export async function openDiskFile(name: string, options: WorkerOpenOptions, lock: DiskLock): Promise<{ session: DiskSession; created: boolean }> {
  const folder = await diskFolder();
  const fileName = diskFileName(name);
  const existing = await findFile(folder, fileName);
  if (!existing && !options.create) throw new DiskNotFoundError(name);
  const fileHandle = existing ?? (await folder.getFileHandle(fileName, { create: true }));
  const file = await openWithRetry(fileHandle, name);
  const create = file.getSize() === 0 ? options.create : undefined;
  try {
    if (file.getSize() === 0 && !create) throw new DiskNotFoundError(name, `disk "${name}" is an empty file (its creation never finished)`);
    const image = create
      ? QedImage.create(file, { size: create.size, clusterSize: create.clusterSize, tableSize: create.tableSize })
      : QedImage.open(file, { readOnly: options.readOnly ?? false });
    return { session: new DiskSession({ name, image, file, fileHandle, lock }), created: create !== undefined };
  } catch (error) {
    file.close();
    if (create) await removeFile(folder, fileName).catch(() => false);
    throw error;
  }
}
