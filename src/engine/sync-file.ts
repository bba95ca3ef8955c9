import { QedIoError } from '../qed/errors.ts';

/**
 * The only I/O the engine sees: a synchronous random-access file shaped like the browser's
 * `FileSystemSyncAccessHandle`, so an OPFS handle, a Node file and an in-memory buffer all serve.
 */

/** Position argument of `read` and `write`, as in `FileSystemSyncAccessHandle`. */
export interface FileRange {
  /** Byte offset into the file. */
  at: number;
}

/** A synchronous random-access file. All offsets and sizes are in bytes. */
export interface SyncFile {
  /**
   * Reads into `buffer` starting at file offset `at` and returns the number of bytes read, which
   * is less than `buffer.byteLength` only at the end of the file. Bytes past the end are not
   * written.
   */
  read(buffer: Uint8Array, options: FileRange): number;
  /**
   * Writes all of `buffer` at file offset `at`, extending the file (with zeros in any gap) when it
   * ends past the current size. Returns the number of bytes written.
   */
  write(buffer: Uint8Array, options: FileRange): number;
  /** The file's current length. */
  getSize(): number;
  /** Sets the file's length, cutting or zero-extending it. */
  truncate(size: number): void;
  /** Makes every completed write durable before returning. */
  flush(): void;
  /** Releases the file. No other call is valid afterwards. */
  close(): void;
}

/**
 * Reads exactly `buffer.byteLength` bytes at `at`, zero-filling whatever lies past the end of the
 * file (a short read is not an error: sparse files and truncated images read as zeros).
 */
export function readFully(file: SyncFile, buffer: Uint8Array, at: number): void {
  let done = 0;
  while (done < buffer.byteLength) {
    const got = file.read(done === 0 ? buffer : buffer.subarray(done), { at: at + done });
    if (got <= 0) break;
    done += got;
  }
  if (done < buffer.byteLength) buffer.fill(0, done);
}

/** Writes all of `buffer` at `at`, repeating short writes. Throws when the file accepts nothing. */
export function writeFully(file: SyncFile, buffer: Uint8Array, at: number): void {
  let done = 0;
  while (done < buffer.byteLength) {
    const wrote = file.write(done === 0 ? buffer : buffer.subarray(done), { at: at + done });
    if (wrote <= 0) throw new QedIoError(`short write: ${done} of ${buffer.byteLength} bytes at ${at}`);
    done += wrote;
  }
}
