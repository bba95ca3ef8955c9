/**
 * Typed errors for everything qedisk does. Each class has a stable `name`, so code on the far
 * side of a worker boundary (where only `name` and `message` survive) can still branch on it.
 */

/** Base class of every error qedisk throws on purpose. */
export class QedError extends Error {
  /** Stable machine-readable name; subclasses override it. */
  override name = 'QedError';
}

/** The bytes are not a QED image qedisk can open: bad magic, bad geometry, unsupported features. */
export class QedFormatError extends QedError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'QedFormatError';
}

/** The image is QED, but its metadata points somewhere it must not (misaligned, out of file, ...). */
export class QedCorruptionError extends QedError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'QedCorruptionError';
}

/** A guest request lies outside the virtual disk or is not made of non-negative integers, or a size is out of range. */
export class QedRangeError extends QedError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'QedRangeError';
}

/** An argument is malformed (a size not a multiple of 512, a bad geometry or name, an unknown option value, ...). */
export class QedArgumentError extends QedError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'QedArgumentError';
}

/** A write-type operation was attempted on an image opened read-only. */
export class QedReadOnlyError extends QedError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'QedReadOnlyError';
}

/** The image was closed and cannot be used any more. */
export class QedClosedError extends QedError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'QedClosedError';
}

/** The backing image is missing, unsupported, too deeply chained or otherwise unusable. */
export class QedBackingError extends QedError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'QedBackingError';
}

/** The underlying file failed (short read or write, quota exceeded, handle lost). */
export class QedIoError extends QedError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'QedIoError';
  /** The original error from the storage backend, when there was one. */
  override readonly cause?: unknown;
  constructor(message: string, cause?: unknown) {
    super(message);
    this.cause = cause;
  }
}

/** The storage quota ran out during a write; the image stays consistent and writes may resume once space is freed. */
export class QedQuotaError extends QedIoError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'QedQuotaError';
}

/**
 * This browser, window or page cannot keep disks in OPFS: a capability qedisk needs is missing
 * (an insecure origin, a private window, an old browser). The message names what is missing;
 * `missing` lists it when the page found it out itself. `openMemoryDisk` still works.
 */
export class StorageUnsupportedError extends QedError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'StorageUnsupportedError';
  /** The missing capabilities (empty when the error crossed from the worker: then the message tells). */
  readonly missing: readonly string[];
  constructor(message: string, missing: readonly string[] = []) {
    super(message);
    this.missing = missing;
  }
}
