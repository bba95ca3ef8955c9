/**
 * What the shared-base controls do, on the page's disk in use: make a disk from the shared base,
 * reset it to the base, take / restore / delete snapshots, cache the whole base for offline use,
 * and export the overlay alone or flattened. Each returns the text for the page's status line.
 * Reset and restore stop the VM first (the guest's caches hold the old state) and reopen the disk.
 */
import { type BaseDownloadProgress, deleteSnapshot, type Disk, type OpfsDisk, type Progress, resetDisk, restoreSnapshot, snapshotDisk } from 'qedisk';
import { createSharedBaseDisk, downloadFile, isOpfsDisk } from './base-image.ts';
import type { ConfirmRequest } from './confirm-dialog.ts';
import { type DiskFacts, deleteSnapshotRequest, resetRequest, restoreRequest } from './destructive.ts';
import { sitsOnSnapshot } from './disk-chain.ts';
import { type UndoPoint, takeUndoSnapshot } from './undo.ts';
import { formatBytes, formatPercent } from './format.ts';

/** What the actions need from the page. */
export interface BasePageHooks {
  /** The disk in use, or null. */
  current(): { name: string; disk: Disk } | null;
  /** Names of the disks there are. */
  diskNames(): readonly string[];
  /** Stops the VM if one runs (its disk requests finish and the disk is flushed). */
  stopVm(): Promise<unknown>;
  /** Waits until the running VM's disk requests have finished (at once without a VM). */
  settleVm(): Promise<void>;
  /** Makes disk `name` the disk in use (closing and reopening it when it is already). */
  useDisk(name: string): Promise<string>;
  /** What the page knows about disk `name`, for the question before a destructive action. */
  facts(name: string): Promise<DiskFacts>;
  /** Asks `request`; resolves true when the user confirmed. */
  confirm(request: ConfirmRequest): Promise<boolean>;
  /** Offers an Undo that puts the disk back to `point`. */
  offerUndo(point: UndoPoint): void;
}

/** The actions, bound to the page. */
export interface BaseActions {
  /** Creates disk `name` on the shared base and makes it the disk in use. */
  createDisk(name: string): Promise<string>;
  /** Stops the VM and brings disk `name` back to its pristine base (snapshots stay). */
  reset(name: string): Promise<string>;
  /** Freezes the disk in use as snapshot `label`; the VM (if any) goes on, on a new overlay. */
  snapshot(label: string): Promise<string>;
  /** Stops the VM and puts the disk in use back to snapshot `id`. */
  restore(id: string, label: string): Promise<string>;
  /** Deletes snapshot `id` of the disk in use. */
  deleteSnapshot(id: string, label: string): Promise<string>;
  /** Downloads whatever of the base is not cached yet. */
  makeAvailableOffline(onProgress: (progress: BaseDownloadProgress) => void): Promise<string>;
  /** Downloads the overlay alone (QEMU opens it beside the file it names: the base, or the latest snapshot). */
  exportOverlay(): Promise<string>;
  /** Downloads a standalone image: overlay, snapshots and base merged. */
  exportFlattened(onProgress: (progress: Progress) => void): Promise<string>;
}

/** The actions over `hooks`. */
export function createBaseActions(hooks: BasePageHooks): BaseActions {
  const inUse = (): { name: string; disk: OpfsDisk } => {
    const current = hooks.current();
    if (!current) throw new Error('choose or create a disk first');
    if (!isOpfsDisk(current.disk)) throw new Error(`disk ${current.name} cannot do this`);
    return { name: current.name, disk: current.disk };
  };

  return {
    async createDisk(name) {
      await createSharedBaseDisk(name, hooks.diskNames());
      await hooks.useDisk(name);
      return `Created ${name} on the shared base: its changes stay in this browser, the base is read as the guest needs it.`;
    },

    async reset(name) {
      if (!(await hooks.confirm(resetRequest(await hooks.facts(name))))) return `Nothing reset: ${name} is as it was.`;
      const isCurrent = hooks.current()?.name === name;
      if (isCurrent) await hooks.stopVm();
      const undo = await takeUndoSnapshot(name, 'reset');
      await resetDisk(name);
      if (isCurrent) await hooks.useDisk(name);
      hooks.offerUndo(undo);
      return `Reset ${name} to the pristine base (snapshots kept; “${undo.label}” holds what it had).`;
    },

    async snapshot(label) {
      const { name, disk } = inUse();
      await hooks.settleVm();
      await disk.flush();
      const snapshot = await snapshotDisk(name, label);
      return `Snapshot “${snapshot.label}” of ${name} taken (run sync in the guest first: what it has not written yet is not in it).`;
    },

    async restore(id, label) {
      const { name } = inUse();
      if (!(await hooks.confirm(restoreRequest(await hooks.facts(name), label)))) return `Nothing restored: ${name} is as it was.`;
      await hooks.stopVm();
      const undo = await takeUndoSnapshot(name, 'restore');
      await restoreSnapshot(name, id);
      await hooks.useDisk(name);
      hooks.offerUndo(undo);
      return `Restored ${name} to snapshot “${label}” (“${undo.label}” holds what it had); start the VM again.`;
    },

    async deleteSnapshot(id, label) {
      const { name } = inUse();
      if (!(await hooks.confirm(deleteSnapshotRequest(name, label)))) return `Snapshot “${label}” kept.`;
      await deleteSnapshot(name, id);
      return `Deleted snapshot “${label}” of ${name}.`;
    },

    async makeAvailableOffline(onProgress) {
      const { name, disk } = inUse();
      const status = await disk.makeAvailableOffline(onProgress);
      if (!status) return `Disk ${name} has no base on the web: it works offline already.`;
      return `The base of ${name} is cached: ${formatBytes(status.cachedBytes)} of ${formatBytes(status.totalBytes)} (${formatPercent(status.cachedBytes, status.totalBytes)}).`;
    },

    async exportOverlay() {
      const { name, disk } = inUse();
      await hooks.settleVm();
      const info = await disk.info();
      const { backingFile } = info;
      if (sitsOnSnapshot(info)) {
        throw new Error(
          `the overlay of ${name} sits on its snapshot ${backingFile ?? ''}, which stays in this browser: QEMU could not open the overlay alone. Use “Flattened (.qed)” for one standalone image.`,
        );
      }
      const file = await disk.exportFile();
      downloadFile(file, `${name}.overlay.qed`);
      const below = backingFile === null ? 'it has no base' : `QEMU opens it next to ${backingFile}`;
      return `Exported the overlay of ${name} (${formatBytes(file.size)}): ${below}.`;
    },

    async exportFlattened(onProgress) {
      const { name, disk } = inUse();
      await hooks.settleVm();
      const file = await disk.exportFlattened(onProgress);
      downloadFile(file, `${name}.flat.qed`);
      return `Exported ${name} flattened (${formatBytes(file.size)}): a standalone image.`;
    },
  };
}
