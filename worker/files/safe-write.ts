/**
 * `safeWrite`: how the worker runs a file-system write operation (write a file, make a folder,
 * remove, rename) on a disk image, so that the file system stays clean for `e2fsck -fn` /
 * `fsck.fat -n` whatever happens:
 *
 * 1. **Dry run**: the operation runs on a `DryRunDevice` over the image (reads through, writes
 *    kept aside; file data not even read). A typed `Fs*Error` here (no such path, no space, not
 *    empty, read-only, ...) ends the operation: nothing was written. Restartable, so an HTTP base
 *    fetches whatever it reads.
 * 2. **Reserve** (`reserve.ts`): the clusters the metadata writes land in are made the overlay's
 *    own now, with unchanged content, so the commit cannot run out of storage quota between two
 *    metadata writes. A quota error here leaves the file system as it was.
 * 3. **Commit**: the operation runs again on a freshly opened file system over the image (same
 *    clock, same state, so the same plan), file data first, then metadata (the order `src/fs`
 *    keeps), then a flush and the image is marked clean.
 *
 * If the commit still fails (storage failing, quota taken by another tab meanwhile): when the
 * step under way had written only file data, the original error is thrown (the file system is
 * consistent: nothing references those blocks; parent folders an operation with `parents` made
 * in earlier steps stay); otherwise `FilesWriteInterruptedError` (at worst leaked blocks or
 * inodes, which `e2fsck -p` / `fsck.fat -a` free; no damaged file or directory).
 */
import { FsError } from '../../src/fs/errors.ts';
import type { DataSource, FileSystem } from '../../src/fs/file-system.ts';
import { type OpenFileSystemOptions, openFileSystem } from '../../src/fs/open.ts';
import { FilesWriteInterruptedError } from '../../src/protocol/files-errors.ts';
import { CommitWatch, type WritableDevice } from './commit-watch.ts';
import { DryRunDevice } from './dry-run-device.ts';
import { type EngineRunner, type ReservableImage, reserveForWrites } from './reserve.ts';
import type { VolumeCache } from './volume-cache.ts';

/**
 * A write operation on `fs`. File data must go through `data(source)`: the dry run swaps in a
 * source of the same size that reads nothing; the commit notes where the data writes go.
 */
export type WriteOperation<T> = (fs: FileSystem, data: (source: DataSource) => DataSource) => T;

/** What `safeWrite` needs of the disk image (a `QedImage` fits). */
export interface SafeWriteImage extends ReservableImage, WritableDevice {
  /** Counters since open (`writes`: write requests). */
  ioStats(): { writes: number };
  /** Clears the image's need-check flag once everything is flushed. */
  markClean(): boolean;
}

/**
 * Runs `operation` on the file system of `image` (partition `partition`, or found as
 * `openFileSystem` finds it) in the three steps of the module comment; resolves with what it
 * returns. `run` runs restartable engine steps (fetching HTTP base data); `cache` is cleared for
 * the image. Call it inside the disk's queue.
 */
export async function safeWrite<T>(image: SafeWriteImage, partition: number | undefined, run: EngineRunner, cache: VolumeCache, operation: WriteOperation<T>): Promise<T> {
  const now = Math.floor(Date.now() / 1000);
  const options: OpenFileSystemOptions = { now: () => now, ...(partition === undefined ? {} : { partition }) };
  const writes = await run(() => {
    const device = new DryRunDevice(image);
    const { fs } = openFileSystem(device, options);
    operation(fs, (source) => ({ size: source.size, read: () => device.noteFileDataRead() }));
    return device.writes;
  });
  await reserveForWrites(image, writes, run);
  cache.drop(image);
  const watch = new CommitWatch(image);
  let result: T;
  try {
    const { fs } = openFileSystem(watch, options);
    result = operation(fs, (source) => ({
      size: source.size,
      read: (offset, target) => {
        source.read(offset, target);
        watch.noteFileDataRead();
      },
    }));
    image.flush();
  } catch (error) {
    if (error instanceof FsError) throw error;
    if (watch.metadataWritesSinceFlush === 0) throw error;
    const cause = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new FilesWriteInterruptedError(
      `the write stopped while updating the file system's metadata (${cause}); the file system may hold blocks or inodes marked used that nothing references (e2fsck -p or fsck.fat -a frees them); no file or directory is damaged`,
    );
  }
  image.markClean();
  return result;
}
