/**
 * Where a disk's data is: the extents of `QedImage.map()`. The `Disk` interface has no map, so
 * the demo asks for one when the disk offers it and otherwise reads the exported `.qed` file with
 * the engine in the page (cheap for the small disks of the demo: the file holds only what the
 * guest wrote).
 */
import type { Disk, Extent } from 'qedisk';
import { MemoryFile, QedImage } from 'qedisk/engine';

/** A disk that may also offer `map()` (a later version of the page API may add it). */
type MaybeMappable = Disk & { map?: () => Promise<Extent[]> };

/** The disk's extents, in guest order. */
export async function loadAllocation(disk: Disk): Promise<Extent[]> {
  const mappable: MaybeMappable = disk;
  if (typeof mappable.map === 'function') return mappable.map();
  const file = await disk.exportFile();
  const bytes = new Uint8Array(await file.arrayBuffer());
  // A backing image is not needed to know what this file stores: give an empty one.
  const image = QedImage.open(new MemoryFile(bytes), { readOnly: true, resolveBacking: () => new MemoryFile() });
  try {
    return image.map();
  } finally {
    image.close();
  }
}
