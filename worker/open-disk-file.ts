/**
 * Opening (or creating) a disk's `.qed` file in OPFS as a `DiskSession`, once its lock is held:
 * the image over the file, and the backing chain under it (another OPFS disk, a raw base, the
 * disk's own snapshots, an HTTP base).
 */
import { assertAllowedUrl } from '../src/backends/remote/index.ts';
import { rawBaseFileName } from '../src/protocol/base-names.ts';
import { findKeptBase } from './formats/kept-bases.ts';
import { checkedUrlBase } from './formats/url-base.ts';
import { DiskExistsError, DiskNotFoundError } from '../src/protocol/errors.ts';
import { diskFileName, validateDiskName } from '../src/protocol/disk-name.ts';
import type { BaseSpec } from '../src/protocol/types.ts';
import type { WorkerOpenOptions } from '../src/protocol/worker-api.ts';
import { QedImage } from '../src/engine/qed-image.ts';
import type { SyncFile } from '../src/engine/sync-file.ts';
import type { BackingSpec } from '../src/engine/types.ts';
import { QedArgumentError, QedBackingError } from '../src/qed/errors.ts';
import { BackingChain } from './backing-chain.ts';
import type { DiskLock } from './disk-lock.ts';
import { DiskSession, type OpenTop } from './disk-session.ts';
import { recoverSwap } from './overlay-files.ts';
import { recoverSnapshotReplacements } from './storage/compact-disk.ts';
import { diskFolder, findFile, openWithRetry, removeFile } from './opfs-folder.ts';

/** Wraps a disk's OPFS file before the engine sees it (the worker's `wrapFile` hook). */
type FileWrapper = (file: SyncFile, diskName: string) => SyncFile;

/** The file as it is. */
const unwrapped: FileWrapper = (file) => file;

/**
 * Allocating writes over a backing image that may share one group commit. The session answers a
 * write only after its commit (`DiskSession.write`), so a batch of writes costs one flush.
 */
const GROUP_COMMIT_LIMIT = 64;

/**
 * Opens disk `name` under `lock` (which the session then owns; on failure the caller keeps it).
 * An empty file counts as missing (a creation that never finished); an interrupted reset or
 * snapshot is finished first. Rejects with `DiskNotFoundError` when the disk is missing and
 * `options.create` is absent, `QedBackingError` for a base that cannot be used.
 */
export async function openDiskFile(name: string, options: WorkerOpenOptions, lock: DiskLock, wrapFile: FileWrapper = unwrapped): Promise<{ session: DiskSession; created: boolean }> {
  const folder = await diskFolder();
  await recoverSwap(folder, name);
  await recoverSnapshotReplacements(folder, name);
  const fileName = diskFileName(name);
  const existing = await findFile(folder, fileName);
  const keptBase = existing ? null : await findKeptBase(folder, name);
  if (keptBase) {
    const what = keptBase.fileName === rawBaseFileName(name) ? 'a raw base' : `a base image (${keptBase.fileName})`;
    if (options.create) throw new DiskExistsError(name, `"${name}" exists already as ${what}`);
    throw new QedArgumentError(`"${name}" is ${what}: open an overlay on it (create with base { kind: 'opfs', name: '${name}' })`);
  }
  if (!existing && !options.create) throw new DiskNotFoundError(name);
  const fileHandle = existing ?? (await folder.getFileHandle(fileName, { create: true }));
  const file = wrapFile(await openWithRetry(fileHandle, name), name);
  const create = file.getSize() === 0 ? options.create : undefined;
  const chain = new BackingChain(folder, name, options.allowedOrigins ?? []);
  const readOnly = options.readOnly ?? false;
  try {
    if (file.getSize() === 0 && !create) throw new DiskNotFoundError(name, `disk "${name}" is an empty file (its creation never finished)`);
    let image: QedImage;
    if (create) {
      const backing = create.base ? await backingOf(folder, name, create.base, chain) : undefined;
      const createOptions = { size: create.size, clusterSize: create.clusterSize, tableSize: create.tableSize, resolveBacking: chain.resolve, groupCommitLimit: GROUP_COMMIT_LIMIT };
      image = await chain.open(() => QedImage.create(file, backing ? { ...createOptions, backing } : createOptions));
    } else {
      image = await chain.open(() => QedImage.open(file, { readOnly, resolveBacking: chain.resolve, groupCommitLimit: GROUP_COMMIT_LIMIT }));
    }
    const reopen = (): Promise<OpenTop> => openTop(folder, name, chain, readOnly, wrapFile);
    return { session: new DiskSession({ name, image, file, fileHandle, lock, chain, reopen }), created: create !== undefined };
  } catch (error) {
    chain.close();
    file.close();
    if (create) await removeFile(folder, fileName).catch(() => false);
    throw error;
  }
}

/** Opens disk `name`'s file (again) over `chain`, which keeps what it had open. */
async function openTop(folder: FileSystemDirectoryHandle, name: string, chain: BackingChain, readOnly: boolean, wrapFile: FileWrapper): Promise<OpenTop> {
  const fileHandle = await folder.getFileHandle(diskFileName(name));
  const file = wrapFile(await openWithRetry(fileHandle, name), name);
  try {
    const image = await chain.open(() => QedImage.open(file, { readOnly, resolveBacking: chain.resolve, groupCommitLimit: GROUP_COMMIT_LIMIT }));
    return { image, file, fileHandle };
  } catch (error) {
    file.close();
    throw error;
  }
}

/**
 * What the header of a new overlay of disk `name` on `base` names: the absolute URL of an
 * allowed HTTP base (its declared format checked through `chain`), or the `.qed` (or, with the
 * raw bit, `.raw`) file of another OPFS disk, or the image base (`.qcow2`, ...) it kept.
 */
async function backingOf(folder: FileSystemDirectoryHandle, name: string, base: BaseSpec, chain: BackingChain): Promise<BackingSpec> {
  if (base.kind === 'url') {
    if (typeof base.url !== 'string') throw new QedArgumentError('a url base needs a url string');
    return checkedUrlBase(assertAllowedUrl(base.url, self.location.origin, chain.allowedOrigins), base.format ?? 'probe', chain);
  }
  if (base.kind !== 'opfs') throw new QedArgumentError(`base kind ${String(Reflect.get(base, 'kind'))} must be opfs or url`);
  const baseName = validateDiskName(base.name);
  if (baseName === name) throw new QedArgumentError(`disk "${name}" cannot be its own base`);
  if (await findFile(folder, diskFileName(baseName))) return { name: diskFileName(baseName), format: 'qed' };
  const kept = await findKeptBase(folder, baseName);
  if (kept) return { name: kept.fileName, format: kept.fileName === rawBaseFileName(baseName) ? 'raw' : 'probe' };
  throw new QedBackingError(`base disk "${baseName}" does not exist`);
}
