/**
 * Opening an image file of any supported format as an `ImageReader`, with its backing chain.
 * QED images are opened through an injected opener (the engine's `QedImage.open`), so this
 * module does not import the engine's image class and the engine's backing code can use it.
 */
import type { BlockReader } from '../engine/block-reader.ts';
import { GuardedFile } from '../engine/guarded-file.ts';
import type { SyncFile } from '../engine/sync-file.ts';
import type { BackingFormat, BackingResolver } from '../engine/types.ts';
import { QedBackingError } from '../qed/errors.ts';
import { isMappable, QedReader, RawReader } from './adapters.ts';
import type { RawInflateFastPath } from './codec/inflate.ts';
import { ImageUnsupportedError } from './errors.ts';
import { IMAGE_FORMATS, type ImageFormat, type ImageReader } from './image-reader.ts';
import { probeImageFormat } from './probe.ts';
import { Qcow2Reader } from './qcow2/reader.ts';
import { VdiReader } from './vdi/reader.ts';
import { VhdReader } from './vhd/reader.ts';
import { VhdxReader } from './vhdx/reader.ts';
import { VmdkReader } from './vmdk/reader.ts';

/** Opens a QED file read-only at chain depth `depth` (the engine's `QedImage.open`). */
export type QedOpener = (file: SyncFile, depth: number) => BlockReader;

/** What opening an image needs besides the file. */
export interface OpenContext {
  /** Opens QED images (and through them, their own backing chains). */
  openQed: QedOpener;
  /** Resolves backing names to files; without it, images with a backing file are refused. */
  resolveBacking?: BackingResolver;
  /** Depth of the image being opened in its chain: 0 for the top. */
  depth: number;
  /** Refuse chains deeper than this. */
  maxDepth: number;
  /** A faster decoder for deflate-compressed qcow2 clusters (Node's zlib), if the host has one. */
  inflateRaw?: RawInflateFastPath;
}

/** Default limit on backing chain depth (as the engine's). */
export const DEFAULT_MAX_CHAIN_DEPTH = 64;

/**
 * Opens `file` as an image of `format` (taken over on success: the reader's `close` closes it;
 * on failure the caller still owns it). Throws the format's typed errors.
 */
export function openImageFile(file: SyncFile, format: ImageFormat, context: OpenContext): ImageReader {
  switch (format) {
    case 'qcow2':
      return Qcow2Reader.open(file, { inflateRaw: context.inflateRaw, openBacking: (name, backingFormat) => openBackingImage(name, parseBackingFormat(backingFormat), context.depth + 1, context) });
    case 'vmdk':
      return VmdkReader.open(file);
    case 'vpc':
      return VhdReader.open(file);
    case 'vhdx':
      return VhdxReader.open(file);
    case 'vdi':
      return VdiReader.open(file);
    case 'raw':
      return new RawReader(file);
    case 'qed': {
      const image = context.openQed(file, context.depth);
      if (isMappable(image)) return new QedReader(image);
      image.close();
      throw new ImageUnsupportedError('the QED opener returned a reader without extents');
    }
  }
}

/**
 * Resolves and opens the backing image `name` at chain depth `depth`, probing its format unless
 * one is given. Throws `QedBackingError` when there is no resolver, the resolver fails, or the
 * chain is too deep; the image's own typed errors otherwise.
 */
export function openBackingImage(name: string, format: ImageFormat | 'probe', depth: number, context: OpenContext): ImageReader {
  const resolve = context.resolveBacking;
  if (!resolve) throw new QedBackingError(`image has backing file "${name}" but no way to open it was given`);
  if (depth > context.maxDepth) throw new QedBackingError(`backing chain is deeper than ${context.maxDepth} images (a loop?) at "${name}"`);
  let file: SyncFile;
  try {
    file = new GuardedFile(resolve({ name, format: toBackingFormat(format), depth }));
  } catch (error) {
    throw new QedBackingError(`cannot open backing file "${name}": ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  try {
    // Probed as QEMU probes a backing file, so that both read the same bytes (a fixed VHD is raw).
    return openImageFile(file, format === 'probe' ? probeImageFormat(file, { fixedVhd: false }) : format, { ...context, depth });
  } catch (error) {
    file.close();
    throw error;
  }
}

/** The format a qcow2 backing format extension names, or `probe` without one. Throws `ImageUnsupportedError` for formats qedisk cannot read. */
export function parseBackingFormat(name: string | null): ImageFormat | 'probe' {
  if (name === null) return 'probe';
  const format = IMAGE_FORMATS.find((candidate) => candidate === name);
  if (format) return format;
  if (name === 'file') return 'raw';
  throw new ImageUnsupportedError(`backing format "${name}" is not supported`);
}

/** What the engine's `BackingResolver` is told about a format. */
function toBackingFormat(format: ImageFormat | 'probe'): BackingFormat {
  return format === 'raw' || format === 'qed' ? format : 'probe';
}
