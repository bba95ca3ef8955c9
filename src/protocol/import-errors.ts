/**
 * Typed errors of importing disk images in the page (`importDisk`), thrown by the worker and
 * revived on the page by name (see `revivable-errors.ts`).
 */
import { QedBackingError } from '../qed/errors.ts';

/**
 * The image to import reads part of its data from a backing file (a qcow2 overlay) that the
 * import cannot reach. Import a flattened copy instead (`qemu-img convert -O qcow2 overlay.qcow2
 * flat.qcow2`, or `qedisk convert`). A `QedBackingError`.
 */
export class ImportBackingFileError extends QedBackingError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'ImportBackingFileError';
}
