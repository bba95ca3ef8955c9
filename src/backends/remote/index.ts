/**
 * Remote backing images: a base image on an ordinary web server, read lazily with HTTP Range
 * requests and kept in a local chunk cache so the disk works offline afterwards. DOM-free except
 * for `fetch`; the cache lives in any `SyncFile` (OPFS sync access handles in the worker).
 * See `cached-remote-file.ts` for how a worker wires it up.
 */
export { BackingDataPendingError, type ChunkRange, describeChunkRanges } from './backing-pending-error.ts';
export { QedBackingChangedError } from './backing-changed-error.ts';
export { BorrowedFile } from './borrowed-file.ts';
export { CachedRemoteFile, type CacheStatus } from './cached-remote-file.ts';
export { ChunkMap, DEFAULT_CHUNK_SIZE_BYTES, MAX_CHUNK_SIZE_BYTES, MIN_CHUNK_SIZE_BYTES } from './chunk-map.ts';
export { type ContentRange, parseContentRange, rangeHeader } from './content-range.ts';
export { openRemoteBacking, type OpenRemoteBackingOptions } from './open-remote-backing.ts';
export { RANGE_FETCHER_DEFAULTS, RangeFetcher, type FetchProgress, type LaneCounters, type OfflineProgress, type RangeFetcherOptions } from './range-fetcher.ts';
export { type CheckedBytes, type FetchFunction, probeRemote, readRangeResponse, sendRange } from './range-response.ts';
export { type RemoteIdentity, type Validators } from './remote-identity.ts';
export { RequestLimiter } from './request-limiter.ts';
export { type PendingDataLoader, type RunWithBackingOptions, runWithBacking } from './run-with-backing.ts';
export { assertAllowedUrl } from './url-policy.ts';
export { BOOT_PREFETCHER_DEFAULTS, BootPrefetcher, type BootPrefetcherOptions, type PrefetchState, type PrefetchStatus } from './boot-prefetcher.ts';
export { type BootPrefetch, type BootPrefetchStatus, loadManifest, startBootPrefetch } from './boot-prefetch.ts';
export { mergeChunkRanges, takeChunks } from './chunk-ranges.ts';
export {
  MANIFEST_FORMAT,
  MANIFEST_SUFFIX,
  MANIFEST_VERSION,
  type PrefetchManifest,
  PrefetchManifestError,
  manifestChunkRanges,
  manifestFromRuns,
  manifestUrlOf,
  parseManifest,
  serializeManifest,
} from './prefetch-manifest.ts';
export { ChunkTrace, MAX_TRACED_CHUNKS, type ReadObserver, TracingRemoteFile } from './read-trace.ts';
export { type FetchLane, type LaneCaps, SlotPool } from './slot-pool.ts';
