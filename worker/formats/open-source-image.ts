/**
 * Opening an image to import (or keep as a base) with its format's reader. Such an image must
 * stand alone: one that reads part of its data from a backing file is refused with
 * `ImportBackingFileError`, since the import has nothing to read that file from.
 */
import type { SyncFile } from '../../src/engine/sync-file.ts';
import { type ImageFormat, type ImageReader, openImageReader } from '../../src/formats/index.ts';
import { ImportBackingFileError } from '../../src/protocol/import-errors.ts';
import { QedBackingError } from '../../src/qed/errors.ts';

/**
 * Opens `file` (taken over on success; the caller still owns it on failure) as an image of
 * `format`. Throws `ImportBackingFileError` when it has a backing file, and the format's typed
 * errors (`ImageFormatError`, `ImageUnsupportedError`, `ImageEncryptedError`,
 * `ImageCorruptionError`) when it cannot be read.
 */
export function openStandaloneImage(file: SyncFile, format: ImageFormat): ImageReader {
  const refuse = ({ name }: { name: string }): never => {
    throw new ImportBackingFileError(
      `the ${describeFormat(format)} image reads from the backing file "${name.slice(0, 200)}", which an import cannot reach: ` +
        'import a flattened copy instead (qemu-img convert -O qcow2 image flat.qcow2, or qedisk convert)',
    );
  };
  try {
    return openImageReader(file, format, refuse);
  } catch (error) {
    // The reader wraps the resolver's error in a QedBackingError; the page should see ours.
    if (error instanceof QedBackingError && error.cause instanceof ImportBackingFileError) throw error.cause;
    throw error;
  }
}

/** The format's usual name in messages. */
export function describeFormat(format: ImageFormat): string {
  const names: Record<ImageFormat, string> = { qed: 'QED', qcow2: 'qcow2', vmdk: 'VMDK', vpc: 'VHD', vhdx: 'VHDX', vdi: 'VDI', raw: 'raw' };
  return names[format];
}
