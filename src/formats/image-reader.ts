/**
 * The read interface every format reader offers: the engine's `BlockReader` (so any of them can
 * be a QED overlay's backing image) plus an allocation query, so that an import or a conversion
 * can skip zero and unallocated runs without reading them.
 */
import type { BlockReader } from '../engine/block-reader.ts';
import { QedRangeError } from '../qed/errors.ts';
import type { DataRange } from './ranges.ts';

/** The image formats qedisk reads, named as `qemu-img -f` names them (`vpc` is VHD). */
export type ImageFormat = 'qed' | 'qcow2' | 'vmdk' | 'vpc' | 'vhdx' | 'vdi' | 'raw';

/** Every `ImageFormat`, in probing order. */
export const IMAGE_FORMATS: readonly ImageFormat[] = ['qed', 'qcow2', 'vmdk', 'vpc', 'vhdx', 'vdi', 'raw'];

/**
 * How a run of the virtual disk is stored in one image: `data` is stored in this image (read
 * it), `zero` reads as zeros whatever the backing image holds, `unallocated` is not stored here
 * and reads from the backing image (zeros where there is none or past its end).
 */
export type AllocationKind = 'data' | 'zero' | 'unallocated';

/** A run of the virtual disk with one allocation kind. */
export interface BlockStatus {
  /** How the run is stored. */
  readonly kind: AllocationKind;
  /** Length of the run in bytes: at least 1, and the run ends at or before the disk's end. */
  readonly length: number;
}

/** A read-only image of some format over a `SyncFile`. Synchronous, like the engine. */
export interface ImageReader extends BlockReader {
  /** The image's format. */
  readonly format: ImageFormat;
  /** The image unallocated runs read from, or null when they read as zeros. Closed by `close`. */
  readonly backing: BlockReader | null;
  /**
   * The allocation kind of the run starting at guest `offset` (0 <= offset < size). The run
   * may be shorter than the maximal one (readers stop at table boundaries); ask again at its end.
   * Throws `QedRangeError` outside the disk and typed errors for damaged metadata.
   */
  blockStatus(offset: number): BlockStatus;
}

/** True when `reader` answers allocation queries. */
export function isImageReader(reader: BlockReader): reader is ImageReader {
  return 'blockStatus' in reader && typeof reader.blockStatus === 'function' && 'format' in reader;
}

/** Throws `QedRangeError` unless `[offset, offset + length)` is made of safe integers inside `size`. */
export function assertReadInside(offset: number, length: number, size: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new QedRangeError(`read of ${length} bytes at ${offset} is outside the ${size}-byte disk`);
  }
}

/**
 * The kind of the run at `offset` as the whole backing chain sees it: `data` (some image stores
 * it, or a reader without allocation queries may) or `zero` (reads as zeros). The run ends at or
 * before the end of `reader`.
 */
export function chainStatus(reader: BlockReader, offset: number): { kind: 'data' | 'zero'; length: number } {
  if (!isImageReader(reader)) return { kind: 'data', length: reader.size - offset };
  const status = reader.blockStatus(offset);
  if (status.kind !== 'unallocated') return { kind: status.kind, length: status.length };
  const backing = reader.backing;
  if (!backing || offset >= backing.size) return { kind: 'zero', length: status.length };
  const inner = chainStatus(backing, offset);
  return { kind: inner.kind, length: Math.min(status.length, inner.length, backing.size - offset) };
}


/**
 * The runs of `[start, end)` that may hold nonzero bytes, looking through the backing chain, as
 * maximal disjoint ranges in order. Everything else reads as zeros.
 */
export function dataRanges(reader: BlockReader, start = 0, end = reader.size): DataRange[] {
  const ranges: DataRange[] = [];
  for (let position = start; position < end; ) {
    const { kind, length } = chainStatus(reader, position);
    const runEnd = Math.min(end, position + Math.max(1, length));
    if (kind === 'data') {
      const last = ranges[ranges.length - 1];
      if (last && last.end === position) last.end = runEnd;
      else ranges.push({ start: position, end: runEnd });
    }
    position = runEnd;
  }
  return ranges;
}
