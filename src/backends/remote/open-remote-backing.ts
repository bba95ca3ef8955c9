/** Opening (or starting) the chunk cache of a remote base: offline when a cache exists already. */
import { QedCorruptionError, QedIoError } from '../../qed/errors.ts';
import type { SyncFile } from '../../engine/sync-file.ts';
import { CachedRemoteFile } from './cached-remote-file.ts';
import { DEFAULT_CHUNK_SIZE_BYTES } from './chunk-map.ts';
import { RANGE_FETCHER_DEFAULTS } from './range-fetcher.ts';
import { type FetchFunction, probeRemote } from './range-response.ts';
import { assertSameSize, assertSameValidators } from './remote-identity.ts';

/** Options of `openRemoteBacking`. */
export interface OpenRemoteBackingOptions {
  /** Absolute URL of the base (check it with `assertAllowedUrl` first). */
  url: string;
  /** Where fetched bytes live (an OPFS sync access handle in the worker). Taken over. */
  cacheFile: SyncFile;
  /** Where the chunk map lives; empty for a new cache. Taken over. */
  mapFile: SyncFile;
  /** Bytes per chunk of a new cache. Default 64 KiB. */
  chunkSize?: number;
  /** The fetch to use. Default: the global `fetch`. */
  fetch?: FetchFunction;
  /** Also ask the server (when reachable) whether the base changed since the cache was started. Default false. */
  revalidate?: boolean;
  /** A server ignoring Range is tolerated for files up to this many bytes. Default 1 MiB. */
  smallFileBytes?: number;
}

/**
 * Returns the cache of `url` kept in `cacheFile` and `mapFile`. An existing cache of the same
 * URL opens without network access (so the VM boots offline); a missing, damaged or foreign one
 * is started afresh after probing the server for size and validators. With `revalidate`, a
 * reachable server whose file changed makes it throw `QedBackingChangedError` (an unreachable
 * one is ignored). Throws `QedIoError` when a probe is needed but the server is unreachable. On
 * failure both files are closed.
 */
export async function openRemoteBacking(options: OpenRemoteBackingOptions): Promise<CachedRemoteFile> {
  const fetchFn = options.fetch ?? ((url: string, init: RequestInit) => globalThis.fetch(url, init));
  const smallFileBytes = options.smallFileBytes ?? RANGE_FETCHER_DEFAULTS.smallFileBytes;
  let remote: CachedRemoteFile | null = null;
  try {
    remote = openExisting(options);
    if (remote && options.revalidate) {
      const current = await probeRemote(fetchFn, options.url, smallFileBytes).catch((error: unknown) => {
        if (error instanceof QedIoError) return null;
        throw error;
      });
      if (current) {
        assertSameSize(remote.identity, current.size);
        assertSameValidators(remote.identity, current);
      }
    }
    if (remote) return remote;
    const identity = await probeRemote(fetchFn, options.url, smallFileBytes);
    return CachedRemoteFile.create(options.cacheFile, options.mapFile, identity, options.chunkSize ?? DEFAULT_CHUNK_SIZE_BYTES);
  } catch (error) {
    if (remote) remote.close();
    else {
      options.cacheFile.close();
      options.mapFile.close();
    }
    throw error;
  }
}

/** The cache in the files when it is a valid one for `url`, else null. */
function openExisting({ url, cacheFile, mapFile }: OpenRemoteBackingOptions): CachedRemoteFile | null {
  if (mapFile.getSize() === 0) return null;
  try {
    const remote = CachedRemoteFile.open(cacheFile, mapFile);
    if (remote.url === url) return remote;
  } catch (error) {
    if (!(error instanceof QedCorruptionError)) throw error;
  }
  return null;
}

