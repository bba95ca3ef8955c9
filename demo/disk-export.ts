/**
 * The disk list's Export: always one file that stands alone. A disk without a base or snapshots
 * is its `.qed` file as it is; a disk that reads through a base or its own snapshots is exported
 * flattened (base, snapshots and changes merged), since its overlay alone names files that stay
 * in this browser or on the server. The base panel offers the overlay alone for a disk on a base.
 */
import type { Disk } from 'qedisk';
import { isOpfsDisk } from './base-image.ts';

/** An exported disk. */
export interface StandaloneExport {
  /** The `.qed` file. */
  file: File;
  /** True when base and snapshots were merged in. */
  flattened: boolean;
}

/** Exports `disk` as one standalone `.qed` file (see the module comment). */
export async function exportStandalone(disk: Disk): Promise<StandaloneExport> {
  const { backingFile } = await disk.info();
  if (backingFile === null) return { file: await disk.exportFile(), flattened: false };
  if (!isOpfsDisk(disk)) throw new Error(`this disk reads through ${backingFile} and cannot be exported flattened here`);
  return { file: await disk.exportFlattened(), flattened: true };
}
