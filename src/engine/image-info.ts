/** Describing an open image (`info`), validating guest request ranges and finding their whole clusters. */
import { QedRangeError } from '../qed/errors.ts';
import { isBackingRaw } from '../qed/header.ts';
import type { ImageState } from './image-state.ts';
import { countAllocatedClusters } from './map.ts';
import type { ImageInfo } from './types.ts';

/** Builds `ImageInfo`; counts allocated clusters (reading every L2 table) the first time only. */
export function describeImage(state: ImageState, backingName: string | null, readOnly: boolean): ImageInfo {
  state.allocatedClusters ??= countAllocatedClusters(state);
  const { geometry, header } = state;
  return {
    virtualSize: state.imageSize,
    clusterSize: geometry.clusterSize,
    tableSize: geometry.tableSize,
    headerSize: header.headerSize,
    physicalSize: state.file.getSize(),
    allocatedBytes: state.allocatedClusters * geometry.clusterSize,
    backingFile: backingName,
    backingFormat: backingName === null ? null : isBackingRaw(header) ? 'raw' : 'probe',
    needsCheck: state.needCheckOnDisk,
    features: Number(header.features),
    compatFeatures: Number(header.compatFeatures),
    autoclearFeatures: Number(header.autoclearFeatures),
    readOnly,
    io: { ...state.io, l2Cache: state.cache.stats() },
  };
}

/** Throws `QedRangeError` unless `offset` and `length` are non-negative integers inside a `size`-byte disk. */
export function assertRequestInside(offset: number, length: number, size: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new QedRangeError(`offset ${offset} and length ${length} must be non-negative integers`);
  }
  if (offset + length > size) {
    throw new QedRangeError(`request [${offset}, ${offset + length}) lies outside the ${size}-byte disk`);
  }
}

/**
 * The end of a write request of `length` bytes at `offset` on a disk of `size` bytes, and the
 * whole clusters inside it, `[alignedStart, alignedEnd)` (the disk's last, partial cluster counts
 * as whole), all in bytes.
 */
export function wholeClustersOf(offset: number, length: number, clusterSize: number, size: number): { end: number; alignedStart: number; alignedEnd: number } {
  const end = offset + length;
  const alignedStart = Math.min(Math.ceil(offset / clusterSize) * clusterSize, end);
  const alignedEnd = end === size ? end : Math.max(Math.floor(end / clusterSize) * clusterSize, alignedStart);
  return { end, alignedStart, alignedEnd };
}
