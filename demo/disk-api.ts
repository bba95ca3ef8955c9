/**
 * The page API (`src/client`) as the demo uses it: the disk catalogue, opening with a short wait
 * when the disk is still held by the page being reloaded (storage facts: `storage-panel.ts`).
 */
import { deleteDisk, type Disk, type DiskRecord, importDisk, listDisks, openDisk, type Progress } from 'qedisk';

/** One disk of the catalogue. Sizes in bytes; times in milliseconds since the epoch. */
export type DiskListEntry = DiskRecord;

/** How long to keep trying while another page (e.g. the one being reloaded) still holds a disk. */
const BUSY_WAIT_MS = 5000;
/** Pause between tries, in milliseconds. */
const BUSY_RETRY_MS = 200;

/** The disks there are, sorted by name. */
export async function listDiskEntries(): Promise<DiskListEntry[]> {
  const records = await listDisks();
  return records.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Opens disk `name`, creating it with `createSize` bytes when given and missing. While the disk is
 * busy (a page that is unloading may still hold its lock) it tries again for a few seconds.
 */
export async function openNamedDisk(name: string, createSize?: number): Promise<Disk> {
  const options = createSize === undefined ? {} : { create: { size: createSize } };
  const deadline = Date.now() + BUSY_WAIT_MS;
  for (;;) {
    try {
      return await openDisk(name, options);
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'DiskBusyError' || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS));
    }
  }
}

/** Deletes disk `name`. */
export async function deleteNamedDisk(name: string): Promise<void> {
  await deleteDisk(name);
}

/**
 * Makes disk `name` from an image file (QED, raw, qcow2, VMDK, VHD, VHDX, VDI: probed), reporting
 * progress; with `asBase`, keeps it as a base image to make disks on (a QED file stays a disk).
 */
export async function importNamedDisk(name: string, file: Blob, onProgress: (progress: Progress) => void, asBase = false): Promise<void> {
  await importDisk(name, file, asBase ? { onProgress, keepAsBase: true } : { onProgress });
}
