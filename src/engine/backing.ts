/** Opening the backing image an overlay names: raw or QED, probed unless the header says raw. */
import { hasQedMagic } from '../qed/header.ts';
import { QedBackingError } from '../qed/errors.ts';
import { type BlockReader, RawImage } from './block-reader.ts';
import { GuardedFile } from './guarded-file.ts';
import type { SyncFile } from './sync-file.ts';
import { readFully } from './sync-file.ts';
import type { BackingFormat, BackingResolver } from './types.ts';

/** The qcow2 magic "QFI\xfb", recognised only to give a clear error. */
const QCOW2_MAGIC = [0x51, 0x46, 0x49, 0xfb] as const;

/** Opens a QED file read-only as a `BlockReader` (injected to avoid an import cycle). */
export type QedOpener = (file: SyncFile, depth: number) => BlockReader;

/** Decides the format of `file`: QED by magic unless `format` says raw. */
export function probeFormat(file: SyncFile, format: BackingFormat): 'raw' | 'qed' {
  if (format === 'raw') return 'raw';
  const magic = new Uint8Array(4);
  readFully(file, magic, 0);
  if (hasQedMagic(magic)) return 'qed';
  if (format === 'qed') throw new QedBackingError('backing file was declared QED but has no QED magic');
  if (QCOW2_MAGIC.every((byte, i) => magic[i] === byte)) {
    throw new QedBackingError('backing file is qcow2, which qedisk cannot read (convert it to raw or QED first)');
  }
  return 'raw';
}

/**
 * Resolves and opens the backing image `name` for an image at chain depth `depth - 1`. Throws
 * `QedBackingError` when there is no resolver, the resolver fails, or the chain is too deep.
 */
export function openBacking(
  name: string,
  format: BackingFormat,
  depth: number,
  maxDepth: number,
  resolve: BackingResolver | undefined,
  openQed: QedOpener,
): BlockReader {
  if (!resolve) throw new QedBackingError(`image has backing file "${name}" but no way to open it was given`);
  if (depth > maxDepth) throw new QedBackingError(`backing chain is deeper than ${maxDepth} images (a loop?) at "${name}"`);
  let file: SyncFile;
  try {
    file = new GuardedFile(resolve({ name, format, depth }));
  } catch (error) {
    throw new QedBackingError(`cannot open backing file "${name}": ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  try {
    return probeFormat(file, format) === 'qed' ? openQed(file, depth) : new RawImage(file);
  } catch (error) {
    file.close();
    throw error;
  }
}
