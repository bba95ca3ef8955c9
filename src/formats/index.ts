/**
 * Reading the disk images people already have (qcow2, VMDK, VHD, VHDX, VDI, plus raw and QED)
 * and writing qcow2. Every reader is synchronous over a `SyncFile`, so the same code serves
 * Node files, OPFS handles and HTTP-backed files in a worker.
 */
import type { SyncFile } from '../engine/sync-file.ts';
import type { BackingResolver } from '../engine/types.ts';
import { QedImage } from '../engine/qed-image.ts';
import type { RawInflateFastPath } from './codec/inflate.ts';
import type { ImageFormat, ImageReader } from './image-reader.ts';
import { DEFAULT_MAX_CHAIN_DEPTH, openImageFile } from './open.ts';
import { probeImageFormat } from './probe.ts';

export { type AllocationKind, type BlockStatus, type ImageFormat, type ImageReader, IMAGE_FORMATS, chainStatus, dataRanges, isImageReader } from './image-reader.ts';
export { type ProbeOptions, probeImageFormat } from './probe.ts';
export { type DataRange, alignRanges } from './ranges.ts';
export { QedReader, RawReader } from './adapters.ts';
export { Qcow2Reader, type Qcow2OpenOptions } from './qcow2/reader.ts';
export { VmdkReader } from './vmdk/reader.ts';
export { VhdReader } from './vhd/reader.ts';
export { VhdxReader } from './vhdx/reader.ts';
export { VdiReader } from './vdi/reader.ts';
export { Qcow2Writer, type Qcow2WriterOptions, type Qcow2WriteResult, DEFAULT_QCOW2_CLUSTER_SIZE } from './qcow2/writer.ts';
export { writeQcow2, type WriteQcow2Options } from './qcow2/write-image.ts';
export type { RawInflateFastPath } from './codec/inflate.ts';
export { ImageCorruptionError, ImageEncryptedError, ImageFormatError, ImageUnsupportedError } from './errors.ts';

/** Options of `openImageReader`. */
export interface OpenImageOptions {
  /** Refuse backing chains deeper than this. Default 64. */
  maxBackingDepth?: number;
  /** A faster decoder for deflate-compressed qcow2 clusters (e.g. Node's zlib); fflate otherwise. */
  inflateRaw?: RawInflateFastPath;
}

/**
 * Opens `file` read-only as an image of `format` (`probe`: decided by `probeImageFormat`), with
 * its backing chain resolved through `resolveBacking`. `file` is taken over on success (the
 * reader's `close` closes it and the chain); on failure the caller still owns it. Throws
 * `ImageFormatError`, `ImageUnsupportedError`, `ImageEncryptedError`, `ImageCorruptionError`,
 * the engine's `QedError`s for QED images, and `QedBackingError` for chains it cannot open.
 */
export function openImageReader(file: SyncFile, format: ImageFormat | 'probe', resolveBacking?: BackingResolver, options: OpenImageOptions = {}): ImageReader {
  const maxDepth = options.maxBackingDepth ?? DEFAULT_MAX_CHAIN_DEPTH;
  const openQed = (qedFile: SyncFile, depth: number): QedImage => QedImage.open(qedFile, { readOnly: true, resolveBacking, depth, maxBackingDepth: maxDepth });
  return openImageFile(file, format === 'probe' ? probeImageFormat(file) : format, { openQed, resolveBacking, depth: 0, maxDepth, inflateRaw: options.inflateRaw });
}
