/**
 * A `SyncFile` wrapper whose `flush` does nothing. `convert` writes a fresh temporary file that
 * nobody else sees until the final rename, so ordering flushes buy nothing there; like
 * `qemu-img convert` (which does not sync its output either), it leaves write-back to the OS.
 */
import type { FileRange, SyncFile } from '../../engine/sync-file.ts';

/** Wraps `file` (taken over: `close` closes it) so that `flush` is a no-op. */
export function unsynced(file: SyncFile): SyncFile {
  return {
    read: (buffer: Uint8Array, range: FileRange) => file.read(buffer, range),
    write: (buffer: Uint8Array, range: FileRange) => file.write(buffer, range),
    getSize: () => file.getSize(),
    truncate: (size: number) => file.truncate(size),
    flush: () => {},
    close: () => file.close(),
  };
}
