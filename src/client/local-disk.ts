/**
 * `localDisk`: a `Disk` over a `QedImage` in the same thread (no worker). For Node, for tests and
 * for pages that keep a scratch disk in memory; the OPFS disks of the page API come from
 * `openDisk`. Each call runs synchronously on the image, so requests finish in the order issued.
 */
import { toDiskInfo } from '../protocol/disk-info.ts';
import type { Disk } from '../protocol/types.ts';
import type { QedImage } from '../engine/qed-image.ts';
import type { CheckReport } from '../engine/types.ts';
import { QedArgumentError, QedClosedError } from '../qed/errors.ts';

/** Options of `localDisk`. */
export interface LocalDiskOptions {
  /** The disk's name (default `local`). */
  name?: string;
  /** The bytes of the image file, for `exportFile` and `info().physicalSize` (optional). */
  contents?: () => Uint8Array;
}

/**
 * A `Disk` backed by `image`. The disk takes over the image: `close()` closes it (and its file).
 * Errors the engine throws come back as rejected promises, unchanged.
 */
export function localDisk(image: QedImage, options: LocalDiskOptions = {}): Disk {
  const name = options.name ?? 'local';
  let closed = false;
  const run = <T>(action: () => T): Promise<T> => {
    try {
      if (closed) throw new QedClosedError(`disk ${name} is closed`);
      return Promise.resolve(action());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  };
  return {
    name,
    size: image.size,
    read: (offset, length) => run(() => image.read(offset, length)),
    write: (offset, data) => run(() => image.write(offset, data)),
    writeZeroes: (offset, length) => run(() => image.writeZeroes(offset, length)),
    flush: () => run(() => image.flush()),
    info: () => run(() => toDiskInfo(name, image.info())),
    check: (checkOptions): Promise<CheckReport> => run(() => image.check(checkOptions)),
    exportFile: () => run(() => {
      if (!options.contents) throw new QedArgumentError(`disk ${name} was made without its contents: nothing to export`);
      image.markClean();
      return new File([options.contents().slice()], `${name}.qed`, { type: 'application/octet-stream' });
    }),
    close: () => run(() => {
      closed = true;
      image.close();
    }),
  };
}
