/**
 * `OpfsFile`: a `SyncFile` over an origin-private file system (OPFS) sync access handle. The
 * handle already has the right shape; this adapter only turns DOMExceptions (and Chromium's
 * error codes returned as byte counts) into qedisk's typed errors. Usable only in a dedicated worker.
 */
import type { FileRange, SyncFile } from '../engine/sync-file.ts';
import { QedIoError, QedQuotaError, StorageUnsupportedError } from '../qed/errors.ts';

/** A file handle that can open a sync access handle (OPFS files in a dedicated worker). */
interface SyncAccessCapable {
  /** Resolves with a `FileSystemSyncAccessHandle`, which has the shape of a `SyncFile`. */
  createSyncAccessHandle(): Promise<SyncFile>;
}

/** A `SyncFile` backed by an OPFS `FileSystemSyncAccessHandle`; `getSize()` is the physical size. */
export class OpfsFile implements SyncFile {
  readonly #handle: SyncFile;

  /**
   * Wraps `handle` (a `FileSystemSyncAccessHandle`, whose methods have the `SyncFile` shape), which
   * the new `OpfsFile` owns and closes in `close()`.
   */
  constructor(handle: SyncFile) {
    this.#handle = handle;
  }

  /**
   * Opens a sync access handle on `fileHandle` (a `FileSystemFileHandle` from OPFS) and wraps it.
   * Rejects with the browser's DOMException (e.g. `NoModificationAllowedError` while another
   * handle is open) or `QedIoError` when this context cannot open sync access handles.
   */
  static async open(fileHandle: object): Promise<OpfsFile> {
    if (!isSyncAccessCapable(fileHandle)) {
      throw new StorageUnsupportedError('this browser has no OPFS sync access handles here (createSyncAccessHandle needs a dedicated worker, Chromium 102, Firefox 111 or Safari 15.2 and later)', ['OPFS sync access handles']);
    }
    return OpfsFile.wrap(await fileHandle.createSyncAccessHandle().catch(rethrowUnsupported));
  }

  /**
   * Wraps a freshly created sync access handle, refusing the early asynchronous kind (their
   * `getSize`, `truncate`, `flush` and `close` returned promises: Chromium before 108, Safari
   * before 16.4) with `StorageUnsupportedError`; such a handle is closed first.
   */
  static wrap(handle: SyncFile): OpfsFile {
    const size: unknown = handle.getSize();
    if (typeof size !== 'number') {
      Promise.resolve(size).finally(() => Promise.resolve(handle.close()).catch(() => undefined)).catch(() => undefined);
      throw new StorageUnsupportedError('this browser\'s OPFS sync access handles are the early asynchronous kind (Chromium before 108, Safari before 16.4): update the browser', ['synchronous sync-access-handle methods']);
    }
    return new OpfsFile(handle);
  }

  read(buffer: Uint8Array, options: FileRange): number {
    const count = translate(() => this.#handle.read(buffer, { at: options.at }), 'read');
    return checkCount(count, buffer.byteLength, 'read', options.at);
  }

  write(buffer: Uint8Array, options: FileRange): number {
    const count = translate(() => this.#handle.write(buffer, { at: options.at }), 'write');
    return checkCount(count, buffer.byteLength, 'write', options.at);
  }

  getSize(): number {
    return translate(() => this.#handle.getSize(), 'getSize');
  }

  truncate(size: number): void {
    translate(() => this.#handle.truncate(size), 'truncate');
  }

  flush(): void {
    translate(() => this.#handle.flush(), 'flush');
  }

  close(): void {
    translate(() => this.#handle.close(), 'close');
  }
}

/** Chromium's `base::File::FILE_ERROR_NO_SPACE`. */
const CHROMIUM_NO_SPACE = -8;

/**
 * Returns `count` when it is a possible result of reading or writing `length` bytes. Chromium
 * 156 returns some failures (e.g. "no space" past 2 GiB in an incognito profile's in-memory
 * OPFS) as a negative error code cast to unsigned (`2 ** 32 - 8`) instead of throwing: that
 * becomes `QedQuotaError` for "no space" and `QedIoError` otherwise.
 */
function checkCount(count: number, length: number, operation: string, at: number): number {
  if (Number.isSafeInteger(count) && count >= 0 && count <= length) return count;
  const code = count >= 2 ** 31 && count < 2 ** 32 ? count - 2 ** 32 : count;
  const message = `${operation} of ${length} bytes at ${at} failed: the browser returned ${count} (error code ${code})`;
  if (code === CHROMIUM_NO_SPACE) throw new QedQuotaError(`QuotaExceededError: ${message}, no space left`);
  throw new QedIoError(message);
}

/**
 * Rethrows a failure of `createSyncAccessHandle`, as `StorageUnsupportedError` when it is the
 * browser's `NotSupportedError` (the method exists but the browser cannot back it: WebKitGTK,
 * which has no file-descriptor passing outside Apple's platforms).
 */
export function rethrowUnsupported(error: unknown): never {
  if (error instanceof Error && error.name === 'NotSupportedError') {
    throw new StorageUnsupportedError(`this browser cannot open OPFS sync access handles (${error.message}): disks need them; openMemoryDisk works without them`, ['OPFS sync access handles']);
  }
  throw error;
}

/** True when `handle` has a callable `createSyncAccessHandle`. */
function isSyncAccessCapable(handle: object): handle is SyncAccessCapable {
  return typeof Reflect.get(handle, 'createSyncAccessHandle') === 'function';
}

/** Runs `action`, turning a DOMException into `QedQuotaError` (quota) or `QedIoError` (others). */
function translate<T>(action: () => T, operation: string): T {
  try {
    return action();
  } catch (error) {
    if (!isDomException(error)) throw error;
    if (error.name === 'QuotaExceededError') {
      throw new QedQuotaError(`QuotaExceededError during ${operation}: ${error.message}`, error);
    }
    throw new QedIoError(`${error.name} during ${operation}: ${error.message}`, error);
  }
}

/** True for a DOMException (checked by shape too, in case of a foreign realm). */
function isDomException(error: unknown): error is DOMException {
  if (typeof DOMException !== 'undefined' && error instanceof DOMException) return true;
  return error instanceof Error && Object.prototype.toString.call(error) === '[object DOMException]';
}
