/**
 * Opening the backing image an overlay names: raw when the header says so, otherwise probed as
 * QEMU probes an unmarked backing file, so a QED overlay can sit on a QED, qcow2, VMDK, VHD,
 * VHDX, VDI or raw base (the readers are in `src/formats`).
 */
import { openBackingImage } from '../formats/open.ts';
import { probeImageFormat } from '../formats/probe.ts';
import { QedBackingError } from '../qed/errors.ts';
import { type QedHeader, decodeBackingName, hasQedMagic } from '../qed/header.ts';
import type { BlockReader } from './block-reader.ts';
import type { SyncFile } from './sync-file.ts';
import { readFully } from './sync-file.ts';
import type { BackingFormat, BackingResolver } from './types.ts';

/** Opens a QED file read-only as a `BlockReader` (injected to avoid an import cycle). */
export type QedOpener = (file: SyncFile, depth: number) => BlockReader;

/**
 * Decides how an overlay should record the backing file in `file`: `raw` (the no-probe bit) when
 * declared raw or when probing as QEMU does finds no image format (a fixed VHD is raw to QEMU),
 * `qed` for QED, and `probe` for the other image formats (left to probing when opened, as QEMU
 * records them without a format of its own).
 * Throws `QedBackingError` when `format` is `qed` but the file has no QED magic.
 */
export function probeFormat(file: SyncFile, format: BackingFormat): BackingFormat {
  if (format === 'raw') return 'raw';
  const magic = new Uint8Array(4);
  readFully(file, magic, 0);
  if (hasQedMagic(magic)) return 'qed';
  if (format === 'qed') throw new QedBackingError('backing file was declared QED but has no QED magic');
  return probeImageFormat(file, { fixedVhd: false }) === 'raw' ? 'raw' : 'probe';
}

/**
 * Resolves and opens the backing image `name` for an image at chain depth `depth - 1`: raw when
 * `format` is `raw`, QED when `qed` (checked by magic), any probed format otherwise. Throws
 * `QedBackingError` when there is no resolver, the resolver fails, or the chain is too deep;
 * the image's own typed errors when it cannot be read.
 */
export function openBacking(
  name: string,
  format: BackingFormat,
  depth: number,
  maxDepth: number,
  resolve: BackingResolver | undefined,
  openQed: QedOpener,
): BlockReader {
  const context = { openQed, resolveBacking: resolve, depth, maxDepth };
  const checkedQed: QedOpener = (file, level) => {
    const magic = new Uint8Array(4);
    readFully(file, magic, 0);
    if (!hasQedMagic(magic)) throw new QedBackingError('backing file was declared QED but has no QED magic');
    return openQed(file, level);
  };
  return format === 'qed' ? openBackingImage(name, 'qed', depth, { ...context, openQed: checkedQed }) : openBackingImage(name, format, depth, context);
}

/** Reads the backing name stored in the header area. */
export function readBackingName(file: SyncFile, header: QedHeader): string {
  const bytes = new Uint8Array(header.backingFilenameSize);
  readFully(file, bytes, header.backingFilenameOffset);
  return decodeBackingName(bytes);
}
