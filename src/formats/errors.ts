/**
 * Typed errors of the foreign-format readers (qcow2, VMDK, VHD, VHDX, VDI) and the qcow2 writer.
 * Each class has a stable `name` and extends the engine's matching class, so code that already
 * branches on `QedFormatError` or `QedCorruptionError` keeps working.
 */
import { QedCorruptionError, QedFormatError } from '../qed/errors.ts';

/** The bytes are not a valid image of the claimed format (bad magic, version, geometry or field). */
export class ImageFormatError extends QedFormatError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'ImageFormatError';
}

/**
 * The image is valid but uses something qedisk does not read: unknown incompatible features, an
 * external data file, differencing/parent links, a VHDX log that needs replaying, ...
 */
export class ImageUnsupportedError extends QedFormatError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'ImageUnsupportedError';
}

/** The image is encrypted (qcow2 AES or LUKS); qedisk never decrypts. */
export class ImageEncryptedError extends ImageUnsupportedError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'ImageEncryptedError';
}

/**
 * The image's metadata or data is damaged: a table entry points outside the file or is
 * misaligned, a compressed cluster does not decompress to exactly its size, a checksum fails.
 */
export class ImageCorruptionError extends QedCorruptionError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'ImageCorruptionError';
}
