/**
 * `CachedRemoteFile`: a read-only `SyncFile` over a remote file (the base image on a web server)
 * that serves only what a local chunk cache holds and never touches the network itself.
 *
 * How the disk worker uses it, for an overlay whose header names a URL:
 * ```ts
 * const url = assertAllowedUrl(backingName, self.location.origin, allowlist);
 * const remote = await openRemoteBacking({ url, cacheFile, mapFile }); // two more OPFS sync handles
 * const fetcher = new RangeFetcher(remote, { onProgress });
 * const image = await runWithBacking(() => QedImage.open(overlayFile, {
 *   resolveBacking: ({ name }) => (name === backingName ? remote.view() : fail(name)),
 * }), fetcher);
 * // every guest request, one at a time (the disk's serial queue):
 * const bytes = await runWithBacking(() => image.read(offset, length), fetcher);
 * await runWithBacking(() => image.write(data, offset), fetcher);
 * // on demand: await fetcher.makeAvailableOffline(onProgress); remote.cacheStatus() for the page
 * // on close: image.close() (closes the view), then remote.close() (closes both handles)
 * ```
 * `openRemoteBacking` probes the server only for a new cache, so a VM whose base is cached boots
 * offline. A read of uncached bytes throws `BackingDataPendingError`; `runWithBacking` fetches
 * exactly those chunks and retries. Errors reach the page by `name`: `QedIoError` (offline),
 * `QedBackingChangedError` (the base changed on the server), `QedBackingError` (bad server).
 */
import { QedArgumentError, QedClosedError, QedReadOnlyError } from '../../qed/errors.ts';
import { type FileRange, type SyncFile, readFully, writeFully } from '../../engine/sync-file.ts';
import { BackingDataPendingError, type ChunkRange } from './backing-pending-error.ts';
import { BorrowedFile } from './borrowed-file.ts';
import { ChunkMap, DEFAULT_CHUNK_SIZE_BYTES } from './chunk-map.ts';
import type { RemoteIdentity } from './remote-identity.ts';

/** How much of the remote file is cached, for the page. */
export interface CacheStatus {
  /** URL of the remote file. */
  url: string;
  /** Size of the remote file in bytes. */
  totalBytes: number;
  /** Bytes of the remote file held in the cache. */
  cachedBytes: number;
  /** Bytes per chunk. */
  chunkSize: number;
  /** Chunks in the remote file. */
  chunkCount: number;
  /** Chunks held in the cache. */
  cachedChunks: number;
  /** True when every chunk is cached (the base reads fully offline). */
  complete: boolean;
}

/** A read-only `SyncFile` over a remote file whose fetched chunks live in a local cache. */
export class CachedRemoteFile implements SyncFile {
  readonly #cache: SyncFile;
  readonly #map: ChunkMap;
  #closed = false;

  private constructor(cache: SyncFile, map: ChunkMap) {
    this.#cache = cache;
    this.#map = map;
  }

  /**
   * Starts an empty cache of `identity` in `cacheFile` (emptied) with its map in `mapFile`
   * (overwritten). Takes both files over: `close` closes them.
   */
  static create(cacheFile: SyncFile, mapFile: SyncFile, identity: RemoteIdentity, chunkSize: number = DEFAULT_CHUNK_SIZE_BYTES): CachedRemoteFile {
    const map = ChunkMap.create(mapFile, identity, chunkSize);
    cacheFile.truncate(0);
    cacheFile.flush();
    return new CachedRemoteFile(cacheFile, map);
  }

  /**
   * Opens an existing cache without any network access. Chunks the map claims but the cache file
   * is too short to hold (a lost or replaced cache file) are marked missing again. Throws
   * `QedCorruptionError` when `mapFile` is not a chunk map; on success takes both files over.
   */
  static open(cacheFile: SyncFile, mapFile: SyncFile): CachedRemoteFile {
    const map = ChunkMap.open(mapFile);
    const held = cacheFile.getSize();
    const firstLost = held >= map.identity.size ? map.chunkCount : Math.floor(held / map.chunkSize);
    if (map.missing(firstLost).reduce((sum, run) => sum + run.count, 0) < map.chunkCount - firstLost) {
      map.unmark(firstLost, map.chunkCount - firstLost);
    }
    return new CachedRemoteFile(cacheFile, map);
  }

  /** The remote file: URL, size and validators recorded when the cache was started. */
  get identity(): RemoteIdentity {
    return this.#map.identity;
  }

  /** URL of the remote file. */
  get url(): string {
    return this.#map.identity.url;
  }

  /** Bytes per chunk. */
  get chunkSize(): number {
    return this.#map.chunkSize;
  }

  /** Chunks in the remote file. */
  get chunkCount(): number {
    return this.#map.chunkCount;
  }

  /** Length in bytes of chunk `index` (the last one may be short). */
  chunkLength(index: number): number {
    return this.#map.chunkLength(index);
  }

  /** True when chunk `index` is cached. */
  hasChunk(index: number): boolean {
    this.#assertOpen();
    return this.#map.has(index);
  }

  /**
   * Reads the remote bytes at `at` into `buffer` from the cache and returns how many there were
   * (short only at the remote file's end). Throws `BackingDataPendingError`, having written
   * nothing, when any chunk of the range is not cached.
   */
  read(buffer: Uint8Array, { at }: FileRange): number {
    this.#assertOpen();
    const size = this.#map.identity.size;
    if (at >= size || buffer.byteLength === 0) return 0;
    const count = Math.min(buffer.byteLength, size - at);
    const missing = this.missingChunks(at, count);
    if (missing.length > 0) throw new BackingDataPendingError(this.url, missing, this.chunkSize);
    readFully(this.#cache, count === buffer.byteLength ? buffer : buffer.subarray(0, count), at);
    return count;
  }

  /** Always throws `QedReadOnlyError`: the remote file is read-only. */
  write(_buffer: Uint8Array, _range: FileRange): number {
    this.#assertOpen();
    throw new QedReadOnlyError(`the remote file ${this.url} is read-only`);
  }

  /** The remote file's size in bytes. */
  getSize(): number {
    this.#assertOpen();
    return this.#map.identity.size;
  }

  /** Always throws `QedReadOnlyError`: the remote file is read-only. */
  truncate(_size: number): void {
    this.#assertOpen();
    throw new QedReadOnlyError(`the remote file ${this.url} is read-only`);
  }

  /** Nothing to do: `fill` makes its writes durable before returning. */
  flush(): void {
    this.#assertOpen();
  }

  /** The uncached chunks under remote bytes `[offset, offset + length)`, as maximal runs (all of them by default). */
  missingChunks(offset: number = 0, length: number = this.#map.identity.size - offset): ChunkRange[] {
    this.#assertOpen();
    if (length <= 0) return [];
    const cs = this.chunkSize;
    return this.#map.missing(Math.floor(offset / cs), Math.ceil((offset + length) / cs));
  }

  /**
   * Stores fetched remote bytes `bytes`, which must be exactly chunks `first`, `first + 1`, ...
   * (the last chunk of the file may be short): writes them to the cache file, flushes it, then
   * marks the chunks in the map and flushes that, so the map never claims bytes that are not
   * durable. `bytes` is not kept. Throws `QedArgumentError` for a length that is not whole chunks.
   */
  fill(first: number, bytes: Uint8Array): void {
    this.#assertOpen();
    const cs = this.chunkSize;
    const size = this.#map.identity.size;
    const start = first * cs;
    const end = start + bytes.byteLength;
    if (!Number.isSafeInteger(first) || first < 0 || end > size || (end % cs !== 0 && end !== size)) {
      throw new QedArgumentError(`${bytes.byteLength} bytes from chunk ${first} are not whole chunks of the ${size}-byte remote file`);
    }
    if (bytes.byteLength === 0) return;
    writeFully(this.#cache, bytes, start);
    this.#cache.flush();
    this.#map.mark(first, Math.ceil(bytes.byteLength / cs));
  }

  /** Bytes of the remote file held in the cache. */
  cachedBytes(): number {
    this.#assertOpen();
    return this.#map.presentBytes;
  }

  /** How much of the remote file is cached. */
  cacheStatus(): CacheStatus {
    this.#assertOpen();
    const map = this.#map;
    return {
      url: this.url,
      totalBytes: map.identity.size,
      cachedBytes: map.presentBytes,
      chunkSize: map.chunkSize,
      chunkCount: map.chunkCount,
      cachedChunks: map.presentCount,
      complete: map.presentCount === map.chunkCount,
    };
  }

  /**
   * A `SyncFile` reading through this one whose `close` releases only the view. Return it from
   * `resolveBacking`: the engine closes its backing file when an open fails (for example on a
   * `BackingDataPendingError` while probing a QED base), and the cache must survive for the retry.
   */
  view(): SyncFile {
    this.#assertOpen();
    return new BorrowedFile(this);
  }

  /** Closes the cache and map files. Idempotent; no other call is valid afterwards. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#cache.close();
    } finally {
      this.#map.close();
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new QedClosedError(`the cache of ${this.#map.identity.url} is closed`);
  }
}
