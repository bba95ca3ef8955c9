/**
 * Freeing the chunk cache of an HTTP base (`freeBaseCache`): its two files are removed, the map
 * first, so a removal cut short leaves a cache file without a map, which the next open starts
 * over (a map without its cache would claim chunks that are gone). The disks on the base then
 * fetch it again on demand.
 */
import { BASE_CACHE_SUFFIX, BASE_MAP_SUFFIX } from '../../src/protocol/base-names.ts';
import { BaseCacheNotFoundError, StorageInUseError } from '../../src/protocol/storage-errors.ts';
import { QedArgumentError } from '../../src/qed/errors.ts';
import { findFile, hasName, removeFile } from '../opfs-folder.ts';
import { cacheFileNames } from '../remote-bases.ts';
import { stemOf } from './storage-report.ts';

/** A cache id: `base-` and 128 bits in hex. */
const CACHE_ID_PATTERN = /^base-[0-9a-f]{32}$/;

/**
 * Removes base cache `id` of `folder` and resolves with the bytes it held. Rejects with
 * `QedArgumentError` for a malformed id, `BaseCacheNotFoundError` when there is no such cache,
 * `StorageInUseError` while a disk open in this worker (`openBaseUrls`) or another tab reads
 * through it.
 */
export async function freeBaseCache(folder: FileSystemDirectoryHandle, id: string, openBaseUrls: readonly string[]): Promise<number> {
  if (typeof id !== 'string' || !CACHE_ID_PATTERN.test(id)) throw new QedArgumentError(`base cache id ${JSON.stringify(String(id)).slice(0, 80)} must be base- and 32 hex digits`);
  for (const url of openBaseUrls) {
    if (stemOf((await cacheFileNames(url)).cache) === id) throw new StorageInUseError(`base cache ${id} is in use: a disk open in this page reads ${url} through it; close it first`);
  }
  let freed = 0;
  let found = false;
  for (const fileName of [id + BASE_MAP_SUFFIX, id + BASE_CACHE_SUFFIX]) {
    const handle = await findFile(folder, fileName);
    if (!handle) continue;
    found = true;
    const bytes = (await handle.getFile()).size;
    try {
      if (await removeFile(folder, fileName)) freed += bytes;
    } catch (error) {
      if (hasName(error, 'NoModificationAllowedError') || hasName(error, 'InvalidStateError')) {
        throw new StorageInUseError(`base cache ${id} is in use: another tab or window reads through it; close the disks on that base there first`);
      }
      throw error;
    }
  }
  if (!found) throw new BaseCacheNotFoundError(`there is no base cache ${id}`);
  return freed;
}
