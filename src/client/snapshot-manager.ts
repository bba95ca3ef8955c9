/**
 * The page API for resetting a disk and for its snapshots: `resetDisk`, `snapshotDisk`,
 * `listSnapshots`, `restoreSnapshot` and `deleteSnapshot`. The worker changes the files (each
 * operation writes one new empty overlay of a few KiB); this side keeps the labels and dates in
 * the catalogue. Each works on a closed disk (taking its lock) and on a disk open in this page
 * (between its requests; the open `Disk` stays usable and shows the new state, so stop the guest
 * first: its caches hold the old one). A disk open in another tab gives `DiskBusyError`.
 */
import { QedArgumentError } from '../qed/errors.ts';
import { getRecord, putRecord, snapshotRecords } from './catalogue.ts';
import { validateDiskName } from '../protocol/disk-name.ts';
import type { SnapshotInfo, SnapshotRecord } from '../protocol/types.ts';
import { callWorker } from './worker-connection.ts';

/** Longest snapshot label, in characters. */
export const MAX_SNAPSHOT_LABEL_LENGTH = 200;

/**
 * Brings disk `name` back to its pristine base: its overlay is replaced by an empty one on the
 * original base (below every snapshot; snapshots stay). O(1); an HTTP base's cache is kept.
 * Rejects with `QedArgumentError` for a disk that has no base (that would erase it).
 */
export async function resetDisk(name: string): Promise<void> {
  validateDiskName(name);
  await callWorker(name, (api) => api.resetDisk(name));
}

/**
 * Freezes disk `name`'s current state as a snapshot labelled `label` and continues on a new empty
 * overlay on top of it. Resolves with the snapshot. O(1): the overlay file is renamed, not copied.
 */
export async function snapshotDisk(name: string, label: string): Promise<SnapshotInfo> {
  validateDiskName(name);
  if (typeof label !== 'string' || label.length > MAX_SNAPSHOT_LABEL_LENGTH) {
    throw new QedArgumentError(`a snapshot label must be a string of at most ${MAX_SNAPSHOT_LABEL_LENGTH} characters`);
  }
  const file = await callWorker(name, (api) => api.snapshotDisk(name));
  const note: SnapshotRecord = { id: file.id, label, createdAt: Date.now() };
  const record = await getRecord(name);
  if (record) await putRecord({ ...record, snapshots: [...snapshotRecords(record).filter((entry) => entry.id !== file.id), note] });
  return { ...file, ...note };
}

/** The snapshots of disk `name`, oldest first (labels from the catalogue; the files decide what exists). */
export async function listSnapshots(name: string): Promise<SnapshotInfo[]> {
  validateDiskName(name);
  const [files, record] = await Promise.all([callWorker(name, (api) => api.listSnapshots(name)), getRecord(name)]);
  const notes = new Map(snapshotRecords(record).map((note) => [note.id, note]));
  return files.map((file) => {
    const note = notes.get(file.id);
    return {
      id: file.id,
      label: note?.label ?? file.id,
      createdAt: note?.createdAt ?? file.lastModified ?? 0,
      physicalSize: file.physicalSize,
      parentId: file.parentId,
      current: file.current,
      dependents: file.dependents,
    };
  });
}

/**
 * Puts disk `name` back to the state snapshot `snapshotId` froze: its overlay is replaced by an
 * empty one on that snapshot. Changes since the last snapshot are dropped; later snapshots stay.
 * Rejects with `SnapshotNotFoundError` for an unknown id.
 */
export async function restoreSnapshot(name: string, snapshotId: string): Promise<void> {
  validateDiskName(name);
  await callWorker(name, (api) => api.restoreSnapshot(name, snapshotId));
}

/**
 * Deletes snapshot `snapshotId` of disk `name`. Rejects with `DiskInUseError` while the disk's
 * overlay or a later snapshot sits on it, `SnapshotNotFoundError` for an unknown id.
 */
export async function deleteSnapshot(name: string, snapshotId: string): Promise<void> {
  validateDiskName(name);
  await callWorker(name, (api) => api.deleteSnapshot(name, snapshotId));
  const record = await getRecord(name);
  if (record) await putRecord({ ...record, snapshots: snapshotRecords(record).filter((entry) => entry.id !== snapshotId) });
}
