/**
 * The HTTP bases this worker has open, one per URL, shared by every overlay (and snapshot chain)
 * that reads through it: its chunk cache in OPFS (`base-<hash>.base-cache` and `.base-map`), the
 * `CachedRemoteFile` over it and the `RangeFetcher` that fills it. Opened on first use, closed
 * when the last user lets go. When another tab holds the cache files, the base is served from a
 * cache in memory instead (works online, not kept for offline use).
 */
import { MemoryFile } from '../src/backends/memory-file.ts';
import { type BootPrefetch, type CachedRemoteFile, ChunkTrace, RangeFetcher, TracingRemoteFile, openRemoteBacking, startBootPrefetch } from '../src/backends/remote/index.ts';
import { BASE_CACHE_SUFFIX, BASE_MAP_SUFFIX } from '../src/protocol/base-names.ts';
import type { RemoteBaseStatus } from '../src/protocol/types.ts';
import type { SyncFile } from '../src/engine/sync-file.ts';
import { diskFolder, hasName, openWithRetry, removeFile } from './opfs-folder.ts';

/** One open HTTP base. */
export interface RemoteBase {
  /** Absolute URL of the base. */
  readonly url: string;
  /** The cached view of the base (read-only `SyncFile`; throws `BackingDataPendingError` on a miss). */
  readonly file: CachedRemoteFile;
  /** Fills `file` from the server. */
  readonly fetcher: RangeFetcher;
  /** What the engine reads through: `file`, recording first reads (for a boot manifest) and telling the prefetcher. */
  readonly reader: TracingRemoteFile;
  /** The boot prefetch (its manifest served next to the base), or null when the cache was complete. */
  readonly prefetch: BootPrefetch | null;
  /** False when the cache is in memory only. */
  readonly persistent: boolean;
}

/** A use of an open base; `release` once done with it (idempotent). */
export interface RemoteBaseLease {
  /** The base. */
  readonly base: RemoteBase;
  /** Ends this use; the last one closes the cache. */
  release(): void;
}

/** An open base and its users. */
interface Entry {
  base: RemoteBase;
  users: number;
  /** Set when the last user let go and the cache was closed. */
  closed: boolean;
}

/**
 * How long the server may take to answer the probe that learns a base's size and validators
 * (milliseconds). Past it, a cached base opens from its cache (as offline) and a new one fails
 * with `QedIoError`, instead of the open hanging on a server that does not answer.
 */
const PROBE_TIMEOUT_MS = 10_000;

/** How long one Range request (at most 1 MiB) may take before it fails with `QedIoError` (milliseconds). */
const REQUEST_TIMEOUT_MS = 60_000;

/** Open (or opening) bases by URL. */
const bases = new Map<string, Promise<Entry>>();

/**
 * The base at `url` (absolute, already checked with `assertAllowedUrl`), opening its cache on
 * first use: offline when the cache exists, otherwise after probing the server. A reachable
 * server whose file changed since the cache was started makes it reject with
 * `QedBackingChangedError`; a base never cached and a server out of reach, with `QedIoError`.
 */
export async function leaseRemoteBase(url: string): Promise<RemoteBaseLease> {
  let opening = bases.get(url);
  if (!opening) {
    opening = openEntry(url);
    bases.set(url, opening);
    opening.catch(() => {
      if (bases.get(url) === opening) bases.delete(url);
    });
  }
  const entry = await opening;
  if (entry.closed) return leaseRemoteBase(url); // its last user let go while this call waited
  entry.users++;
  let released = false;
  const current = opening;
  return {
    base: entry.base,
    release() {
      if (released) return;
      released = true;
      if (--entry.users > 0) return;
      if (bases.get(url) === current) bases.delete(url);
      entry.closed = true;
      entry.base.prefetch?.stop();
      entry.base.file.close();
    },
  };
}

/** The URLs of the HTTP bases this worker has open (or is opening): their caches are in use. */
export function openRemoteBaseUrls(): string[] {
  return [...bases.keys()];
}

/** What `DiskInfo.remoteBase` reports for `base`. */
export function remoteBaseStatus(base: RemoteBase): RemoteBaseStatus {
  const status = base.file.cacheStatus();
  return {
    url: base.url,
    totalBytes: status.totalBytes,
    cachedBytes: status.cachedBytes,
    complete: status.complete,
    bytesFetched: base.fetcher.bytesFetched,
    requests: base.fetcher.requests,
    persistent: base.persistent,
    prefetch: base.prefetch?.status() ?? null,
    readOrder: { chunkSize: status.chunkSize, runs: base.reader.trace.runs().map(({ first, count }): [number, number] => [first, count]) },
  };
}

/**
 * Removes the OPFS cache of `url` unless this worker has it open; a cache another tab holds open
 * stays (its removal fails quietly). Resolves true when files were removed.
 */
export async function removeRemoteCache(url: string): Promise<boolean> {
  if (bases.has(url)) return false;
  const folder = await diskFolder();
  const names = await cacheFileNames(url);
  let removed = false;
  for (const name of [names.cache, names.map]) removed = (await removeFile(folder, name).catch(() => false)) || removed;
  return removed;
}

/** The OPFS file names of the cache of `url`: `base-<first 128 bits of SHA-256(url) in hex>`. */
export async function cacheFileNames(url: string): Promise<{ cache: string; map: string }> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(url)));
  const stem = `base-${Array.from(digest.subarray(0, 16), (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
  return { cache: stem + BASE_CACHE_SUFFIX, map: stem + BASE_MAP_SUFFIX };
}

/** Opens the cache of `url` and its fetcher. */
async function openEntry(url: string): Promise<Entry> {
  const { cacheFile, mapFile, persistent } = await openCacheFiles(url);
  const file = await openRemoteBacking({ url, cacheFile, mapFile, revalidate: true, fetch: fetchWithin(PROBE_TIMEOUT_MS) });
  const fetcher = new RangeFetcher(file, { fetch: fetchWithin(REQUEST_TIMEOUT_MS) });
  const reader = new TracingRemoteFile(file, new ChunkTrace());
  // A base not cached whole streams what its boot manifest lists, ahead of the guest.
  const prefetch = file.cacheStatus().complete ? null : startBootPrefetch(fetcher, reader, fetchWithin(PROBE_TIMEOUT_MS));
  return { base: { url, file, fetcher, reader, prefetch, persistent }, users: 0, closed: false };
}

/** The global `fetch`, aborting requests that take longer than `ms` milliseconds (and those the caller aborts). */
function fetchWithin(ms: number): (url: string, init: RequestInit) => Promise<Response> {
  return (url, init) => {
    const timeout = AbortSignal.timeout(ms);
    return fetch(url, { ...init, signal: init.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
  };
}

/** The OPFS cache files of `url`, or files in memory when another tab holds them. */
async function openCacheFiles(url: string): Promise<{ cacheFile: SyncFile; mapFile: SyncFile; persistent: boolean }> {
  const folder = await diskFolder();
  const names = await cacheFileNames(url);
  const cacheHandle = await folder.getFileHandle(names.cache, { create: true });
  const mapHandle = await folder.getFileHandle(names.map, { create: true });
  let cacheFile: SyncFile | null = null;
  try {
    cacheFile = await openWithRetry(cacheHandle, names.cache);
    const mapFile = await openWithRetry(mapHandle, names.map);
    return { cacheFile, mapFile, persistent: true };
  } catch (error) {
    cacheFile?.close();
    if (!hasName(error, 'DiskBusyError')) throw error;
    return { cacheFile: new MemoryFile(), mapFile: new MemoryFile(), persistent: false };
  }
}
