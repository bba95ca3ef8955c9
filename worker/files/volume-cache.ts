/**
 * `VolumeCache`: the file systems the worker has opened, kept per disk image and partition so a
 * run of reads (a directory walk, the chunks of a large file) does not parse the superblock, group
 * descriptors or FAT again each time. An entry is used again only while the image has taken no
 * write since it was opened (the image's write counter has not moved): a write by anyone else (the
 * page's block requests, a guest) makes the next request open the file system afresh, so cached
 * metadata is never stale. Entries go with their image (a reopened image is a new object).
 */
import type { OpenedFileSystem } from '../../src/fs/open.ts';
import { openFileSystem } from '../../src/fs/open.ts';
import type { BlockDevice } from '../../src/fs/block-device.ts';

/** A device whose writes can be counted (a `QedImage`). */
export interface CountedDevice extends BlockDevice {
  /** Counters since open; `writes` counts every write request. */
  ioStats(): { writes: number };
}

/** One cached file system. */
interface Entry {
  opened: OpenedFileSystem;
  /** The device's write counter when it was opened. */
  writes: number;
}

/** Open file systems by device and partition; see the module comment. */
export class VolumeCache {
  readonly #byDevice = new WeakMap<CountedDevice, Map<string, Entry>>();

  /**
   * The file system of `device` (partition `partition`, or found as `openFileSystem` finds it),
   * from the cache when the device has not been written since; throws what `openFileSystem` throws.
   */
  open(device: CountedDevice, partition: number | undefined): OpenedFileSystem {
    const key = partition === undefined ? 'auto' : String(partition);
    const writes = device.ioStats().writes;
    let entries = this.#byDevice.get(device);
    const cached = entries?.get(key);
    if (cached && cached.writes === writes) return cached.opened;
    const opened = openFileSystem(device, partition === undefined ? {} : { partition });
    if (!entries) {
      entries = new Map();
      this.#byDevice.set(device, entries);
    }
    entries.set(key, { opened, writes });
    return opened;
  }

  /** Forgets the file systems of `device` (after it was written through another path, or a write failed). */
  drop(device: CountedDevice): void {
    this.#byDevice.delete(device);
  }
}
