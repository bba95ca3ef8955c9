/**
 * `openMemoryDisk`: a QED disk held in the page's memory, for browsers (or windows) where OPFS
 * disks cannot be opened: nothing persists, but the disk works the same and `exportFile` gives its
 * `.qed` file. The engine is loaded on first use, so pages that never need it do not pay for it.
 */
import type { Disk } from '../protocol/types.ts';
import { validateDiskName } from '../protocol/disk-name.ts';
import { localDisk } from './local-disk.ts';

/** Options of `openMemoryDisk`. */
export interface MemoryDiskOptions {
  /** The disk's name (default `memory`); only for `exportFile` and messages. */
  name?: string;
  /** Virtual size in bytes (rounded up to 512). */
  size: number;
  /** Bytes per cluster; default 64 KiB. */
  clusterSize?: number;
}

/**
 * A new, empty disk in memory. Requests run in the page's thread, in order. Rejects with
 * `QedArgumentError` or `QedRangeError` for a bad name, size or cluster size.
 */
export async function openMemoryDisk(options: MemoryDiskOptions): Promise<Disk> {
  const name = validateDiskName(options.name ?? 'memory');
  const [{ QedImage }, { MemoryFile }] = await Promise.all([import('../engine/qed-image.ts'), import('../backends/memory-file.ts')]);
  const file = new MemoryFile();
  const image = QedImage.create(file, { size: options.size, clusterSize: options.clusterSize });
  return localDisk(image, { name, contents: () => file.snapshot() });
}
