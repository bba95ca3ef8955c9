/**
 * The stack benchmark's `comlink` device: a QED disk opened with `openDisk` whose block requests
 * go as plain Comlink calls (one round trip each, buffers transferred) to the benchmark worker's
 * control port instead of the block lane. Everything else is the disk's own.
 */
import type * as Comlink from 'comlink';
import { transfer } from 'comlink';
import type { Disk } from '../../../src/index.ts';
import type { ComlinkBlockPath } from './stack-worker.ts';

/** `disk` with read, write, writeZeroes and flush sent through `path`. */
export function comlinkPathDisk(disk: Disk, path: Comlink.Remote<ComlinkBlockPath>): Disk {
  return {
    name: disk.name,
    size: disk.size,
    read: (offset, length) => path.read(disk.name, offset, length),
    write: (offset, data) => {
      const copy = data.slice();
      return path.write(disk.name, offset, transfer(copy, [copy.buffer]));
    },
    writeZeroes: (offset, length) => path.writeZeroes(disk.name, offset, length),
    flush: () => path.flush(disk.name),
    info: () => disk.info(),
    check: (options) => disk.check(options),
    exportFile: () => disk.exportFile(),
    close: () => disk.close(),
  };
}
