/** The QED engine: `QedImage` over a synchronous `SyncFile`, plus its types and helpers. */
export { QedImage } from './qed-image.ts';
export { RawImage, type BlockReader, readClipped } from './block-reader.ts';
export { type SyncFile, type FileRange, readFully, writeFully } from './sync-file.ts';
export { probeFormat } from './backing.ts';
export { DEFAULT_L2_CACHE_BYTES } from './l2-cache.ts';
export type * from './types.ts';
export * from '../qed/errors.ts';
