/**
 * qedisk's engine, for any JavaScript environment: `QedImage` (a QED disk over a synchronous
 * `SyncFile`), the in-memory `SyncFile`, the readers of other image formats, the types and the
 * typed errors.
 */
export { QedImage } from './qed-image.ts';
export { compactImageFile, compactImageSteps } from './compact.ts';
export { inspectImageSpace } from './bare-image.ts';
export { QedCompactionError } from './compact-errors.ts';
export { RawImage, type BlockReader } from './block-reader.ts';
export type { SyncFile, FileRange } from './sync-file.ts';
export { MemoryFile } from '../backends/memory-file.ts';
export { DEFAULT_L2_CACHE_BYTES, type L2CacheStats } from './l2-cache.ts';
export type * from './types.ts';
export * from '../qed/errors.ts';
export * from '../formats/index.ts';
