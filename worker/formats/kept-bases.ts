/**
 * Image bases kept as they are in the qedisk OPFS folder (`NAME.qcow2`, `.vmdk`, `.vhd`, `.vhdx`,
 * `.vdi`; raw bases `NAME.raw` are the folder's own business): finding, listing and deleting them.
 */
import { openImageReader } from '../../src/formats/index.ts';
import { type KeptImageFormat, keptBaseFileNames, keptImageFileName, keptImageOfFile, KEPT_IMAGE_FORMATS } from '../../src/protocol/base-names.ts';
import { DiskInUseError } from '../../src/protocol/errors.ts';
import type { StoredDisk } from '../../src/protocol/worker-api.ts';
import { dependentsOf } from '../overlay-files.ts';
import { findFile, removeFile } from '../opfs-folder.ts';
import { runOverBlob } from './blob-view.ts';

/** The first file kept as base `name` (raw or an image), or null when there is none. */
export async function findKeptBase(folder: FileSystemDirectoryHandle, name: string): Promise<{ fileName: string; handle: FileSystemFileHandle } | null> {
  for (const fileName of keptBaseFileNames(name)) {
    const handle = await findFile(folder, fileName);
    if (handle) return { fileName, handle };
  }
  return null;
}

/** The image bases in `folder`, with the virtual size their reader gives (null when it cannot be read now). */
export async function listKeptImageBases(folder: FileSystemDirectoryHandle): Promise<StoredDisk[]> {
  const bases: StoredDisk[] = [];
  for await (const [fileName, handle] of folder.entries()) {
    if (handle.kind !== 'file') continue;
    const kept = keptImageOfFile(fileName);
    if (kept) bases.push(await describeBase(kept.name, kept.format, await folder.getFileHandle(fileName)));
  }
  return bases;
}

/**
 * Removes the image bases of `name` (any format); resolves true when there was one. Rejects with
 * `DiskInUseError` while a disk or snapshot sits on one of them.
 */
export async function removeKeptImageBases(folder: FileSystemDirectoryHandle, name: string): Promise<boolean> {
  const fileNames = KEPT_IMAGE_FORMATS.map((format) => keptImageFileName(name, format));
  const users = (await Promise.all(fileNames.map((fileName) => dependentsOf(folder, fileName)))).flat();
  if (users.length > 0) throw new DiskInUseError(name, `base "${name}" is the base of ${users.join(', ')}: delete ${users.length === 1 ? 'it' : 'them'} first`);
  let removed = false;
  for (const fileName of fileNames) removed = (await removeFile(folder, fileName)) || removed;
  return removed;
}

/** Size, date and virtual size of one image base; nulls for what cannot be read now (e.g. held for writing). */
async function describeBase(name: string, format: KeptImageFormat, handle: FileSystemFileHandle): Promise<StoredDisk> {
  let physicalSize: number | null = null;
  let lastModified: number | null = null;
  try {
    const file = await handle.getFile();
    physicalSize = file.size;
    lastModified = file.lastModified;
  } catch {
    // unreadable now: reported as unknown
  }
  return { name, virtualSize: await virtualSizeOf(handle, format), physicalSize, lastModified, format };
}

/** The virtual size the image's reader gives, or null when it cannot be read now. */
async function virtualSizeOf(handle: FileSystemFileHandle, format: KeptImageFormat): Promise<number | null> {
  try {
    // Through getFile(): no sync access handle, so an overlay reading the base is not in the way.
    return await runOverBlob(await handle.getFile(), (file) => {
      const reader = openImageReader(file, format);
      const size = reader.size;
      reader.close();
      return size;
    });
  } catch {
    return null;
  }
}
