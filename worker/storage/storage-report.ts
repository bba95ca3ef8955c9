/**
 * Where the origin's private file system goes: a scan of the qedisk folder that sorts every file
 * into a disk (its file, snapshots, export), an HTTP base cache or a stray file, with its length
 * and what a compaction would drop for sure (`inspectImageSpace`, on a read-only handle taken
 * without waiting; null for a file held open here or by another tab), plus the other folders at
 * the root. Reads headers and tables only, never data clusters.
 */
import { inspectImageSpace } from '../../src/engine/bare-image.ts';
import { BASE_CACHE_SUFFIX, BASE_MAP_SUFFIX, EXPORT_SUFFIX, isUrlBackingName, keptImageOfFile, rawBaseNameOfFile, SNAPSHOT_SUFFIX, snapshotIdOf } from '../../src/protocol/base-names.ts';
import { DISK_FOLDER_NAME, diskNameOfFile } from '../../src/protocol/disk-name.ts';
import type { BaseCacheReport, DiskStorageReport, OtherStorageReport, SnapshotFileReport, StorageFilesReport, StoredFileReport } from '../../src/protocol/storage.ts';
import { openReadOnly } from '../opfs-folder.ts';
import { readOverlayHeader } from '../overlay-files.ts';
import { cacheFileNames } from '../remote-bases.ts';

/** Longest backing chain followed to find a disk's HTTP base. */
const MAX_CHAIN_DEPTH = 64;

/** What the scan needs to know about this worker. */
export interface ScanContext {
  /** True when disk `name` is open in this worker (its own file cannot be inspected then). */
  isOpenHere(name: string): boolean;
  /** URLs of the HTTP bases this worker reads through. */
  openBaseUrls: readonly string[];
}

/** One file of the folder: its handle and length (null when unreadable). */
interface FolderFile {
  handle: FileSystemFileHandle;
  bytes: number | null;
}

/** Scans `root` (the origin's private file system) and its qedisk folder `folder`. */
export async function scanStorage(root: FileSystemDirectoryHandle, folder: FileSystemDirectoryHandle, context: ScanContext): Promise<StorageFilesReport> {
  const files = new Map<string, FolderFile>();
  const otherStorage: OtherStorageReport[] = [];
  for await (const [name, handle] of folder.entries()) {
    if (handle.kind === 'file') files.set(name, { handle: await folder.getFileHandle(name), bytes: await lengthOf(await folder.getFileHandle(name)) });
    else otherStorage.push({ name: `${DISK_FOLDER_NAME}/${name}`, ...(await folderBytes(await folder.getDirectoryHandle(name))) });
  }
  for await (const [name, handle] of root.entries()) {
    if (name === DISK_FOLDER_NAME) continue;
    if (handle.kind === 'file') otherStorage.push({ name, bytes: (await lengthOf(await root.getFileHandle(name))) ?? 0, files: 1 });
    else otherStorage.push({ name, ...(await folderBytes(await root.getDirectoryHandle(name))) });
  }
  const backing = await backingNames(files);
  const claimed = new Set<string>();
  const disks: DiskStorageReport[] = [];
  for (const [fileName, found] of files) {
    const disk = diskOfFile(fileName);
    if (disk === null) continue;
    claimed.add(fileName);
    disks.push(await describeDisk(disk.name, disk.format, fileName, found, files, backing, claimed, context));
  }
  disks.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const baseCaches = await describeCaches(files, disks, backing, claimed, context);
  const strayFiles = [...files].filter(([fileName]) => !claimed.has(fileName)).map(([file, found]) => ({ file, bytes: found.bytes, reclaimableBytes: found.bytes }));
  const parts = [...disks.map((disk) => [disk.totalBytes, disk.reclaimableBytes]), ...baseCaches.map((cache) => [cache.bytes, cache.reclaimableBytes]), ...strayFiles.map((file) => [file.bytes ?? 0, file.bytes ?? 0])];
  const totalBytes = parts.reduce((sum, [bytes]) => sum + (bytes ?? 0), 0) + otherStorage.reduce((sum, other) => sum + other.bytes, 0);
  const reclaimableBytes = parts.reduce((sum, [, bytes]) => sum + (bytes ?? 0), 0);
  return { disks, baseCaches, strayFiles, otherStorage, totalBytes, reclaimableBytes };
}

/** The disk a file of the folder is the main file of (`NAME.qed`, a kept base), or null. */
function diskOfFile(fileName: string): { name: string; format: string } | null {
  const qed = diskNameOfFile(fileName);
  if (qed !== null) return { name: qed, format: 'qed' };
  const raw = rawBaseNameOfFile(fileName);
  if (raw !== null) return { name: raw, format: 'raw' };
  const kept = keptImageOfFile(fileName);
  return kept ? { name: kept.name, format: kept.format } : null;
}

/** The report of disk `name` (main file `fileName`); marks the files it owns in `claimed`. */
async function describeDisk(
  name: string,
  format: string,
  fileName: string,
  found: FolderFile,
  files: ReadonlyMap<string, FolderFile>,
  backing: ReadonlyMap<string, string | null>,
  claimed: Set<string>,
  context: ScanContext,
): Promise<DiskStorageReport> {
  const open = context.isOpenHere(name);
  const file = format === 'qed' ? await inspect(fileName, found, !open) : { file: fileName, bytes: found.bytes, reclaimableBytes: 0 };
  const snapshots: SnapshotFileReport[] = [];
  for (const [snapshotName, snapshot] of files) {
    const id = snapshotName.endsWith(SNAPSHOT_SUFFIX) ? snapshotIdOf(name, snapshotName) : null;
    if (id === null) continue;
    claimed.add(snapshotName);
    snapshots.push({ id, ...(await inspect(snapshotName, snapshot, !open)) });
  }
  snapshots.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  const exportFile = files.get(name + EXPORT_SUFFIX);
  if (exportFile) claimed.add(name + EXPORT_SUFFIX);
  const exported = exportFile ? { file: name + EXPORT_SUFFIX, bytes: exportFile.bytes, reclaimableBytes: exportFile.bytes } : null;
  const all = [file, ...snapshots, ...(exported ? [exported] : [])];
  return {
    name,
    format,
    open,
    file,
    snapshots,
    export: exported,
    base: backing.get(fileName) ?? null,
    url: chainUrl(fileName, backing),
    totalBytes: all.reduce((sum, part) => sum + (part.bytes ?? 0), 0),
    reclaimableBytes: all.reduce((sum, part) => sum + (part.reclaimableBytes ?? 0), 0),
  };
}

/** The HTTP base caches of the folder (a `.base-cache` and `.base-map` pair each); marks their files in `claimed`. */
async function describeCaches(
  files: ReadonlyMap<string, FolderFile>,
  disks: readonly DiskStorageReport[],
  backing: ReadonlyMap<string, string | null>,
  claimed: Set<string>,
  context: ScanContext,
): Promise<BaseCacheReport[]> {
  const urlOfStem = new Map<string, string>();
  for (const url of new Set([...backing.values(), ...context.openBaseUrls])) {
    if (url !== null && isUrlBackingName(url)) urlOfStem.set(stemOf((await cacheFileNames(url)).cache), url);
  }
  const open = new Set(context.openBaseUrls);
  const caches = new Map<string, BaseCacheReport>();
  for (const [fileName, found] of files) {
    if (!fileName.startsWith('base-') || !(fileName.endsWith(BASE_CACHE_SUFFIX) || fileName.endsWith(BASE_MAP_SUFFIX))) continue;
    claimed.add(fileName);
    const id = stemOf(fileName);
    const url = urlOfStem.get(id) ?? null;
    const cache = caches.get(id) ?? { id, url, disks: disks.filter((disk) => url !== null && disk.url === url).map((disk) => disk.name), bytes: 0, inUse: url !== null && open.has(url), reclaimableBytes: 0 };
    cache.bytes += found.bytes ?? 0;
    cache.reclaimableBytes = cache.bytes;
    caches.set(id, cache);
  }
  return [...caches.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** `base-<hash>` of a cache or map file name. */
export function stemOf(fileName: string): string {
  return fileName.slice(0, fileName.lastIndexOf('.'));
}

/** The backing name in the header of every QED file of the folder (null: none, or unreadable). */
async function backingNames(files: ReadonlyMap<string, FolderFile>): Promise<Map<string, string | null>> {
  const names = new Map<string, string | null>();
  for (const [fileName, found] of files) {
    if (diskNameOfFile(fileName) === null && !fileName.endsWith(SNAPSHOT_SUFFIX)) continue;
    names.set(fileName, await readOverlayHeader(found.handle).then((header) => header.backingName, () => null));
  }
  return names;
}

/** The URL the backing chain of `fileName` ends on, or null. */
function chainUrl(fileName: string, backing: ReadonlyMap<string, string | null>): string | null {
  let name = backing.get(fileName) ?? null;
  for (let depth = 0; name !== null && depth < MAX_CHAIN_DEPTH; depth++) {
    if (isUrlBackingName(name)) return name;
    name = backing.get(name) ?? null;
  }
  return null;
}

/** A QED file's length and leaked bytes; leaks stay null unless `tryInspect` and the file opens at once. */
async function inspect(file: string, found: FolderFile, tryInspect: boolean): Promise<StoredFileReport> {
  if (!tryInspect) return { file, bytes: found.bytes, reclaimableBytes: null };
  try {
    const handle = await openReadOnly(found.handle, file, 0);
    try {
      const space = inspectImageSpace(handle);
      return { file, bytes: space.fileBytes, reclaimableBytes: space.consistent ? space.leakedBytes : null };
    } finally {
      handle.close();
    }
  } catch {
    return { file, bytes: found.bytes, reclaimableBytes: null }; // held open elsewhere, or not a QED file
  }
}

/** The length of a file, or null when it cannot be read now. */
async function lengthOf(handle: FileSystemFileHandle): Promise<number | null> {
  try {
    return (await handle.getFile()).size;
  } catch {
    return null;
  }
}

/** Bytes and number of the files under `directory`, all levels down. */
async function folderBytes(directory: FileSystemDirectoryHandle): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  for await (const [name, handle] of directory.entries()) {
    if (handle.kind === 'file') {
      bytes += (await lengthOf(await directory.getFileHandle(name))) ?? 0;
      files++;
    } else {
      const inner = await folderBytes(await directory.getDirectoryHandle(name));
      bytes += inner.bytes;
      files += inner.files;
    }
  }
  return { bytes, files };
}
