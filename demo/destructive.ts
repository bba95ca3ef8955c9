/**
 * The questions asked before each destructive action of the demo, naming what is lost, what is
 * kept and how to undo. Pure: the page gathers the facts (`DiskFacts`) and shows the question
 * with `confirmAction`.
 */
import type { ConfirmRequest } from './confirm-dialog.ts';
import { formatBytes } from './format.ts';

/** What the page knows about a disk when it asks. Sizes in bytes. */
export interface DiskFacts {
  /** The disk's name. */
  name: string;
  /** Virtual size. */
  size: number;
  /** Bytes of data in the disk's own overlay, or null when unknown (the disk is not open). */
  allocatedBytes: number | null;
  /** Labels of the disk's snapshots, oldest first. */
  snapshotLabels: readonly string[];
  /** The disk's original base (an URL or a file name), or null for a disk that stands alone. */
  base: string | null;
  /** True when a VM runs on the disk now. */
  vmRunning: boolean;
}

/** "“name”" in the page's quotes. */
function quoted(text: string): string {
  return `“${text}”`;
}

/** "3 snapshots (“a”, “b”, “c”)" or "1 snapshot (“a”)", shortened after a few labels. */
function snapshotList(labels: readonly string[]): string {
  const shown = labels.slice(0, 3).map(quoted).join(', ');
  const more = labels.length > 3 ? ` and ${labels.length - 3} more` : '';
  return `${labels.length} snapshot${labels.length === 1 ? '' : 's'} (${shown}${more})`;
}

function stopsVm(facts: DiskFacts): string[] {
  return facts.vmRunning ? ['The VM on it stops first (the guest writes what it holds to the disk).'] : [];
}

function dataOf(facts: DiskFacts): string {
  return facts.allocatedBytes === null ? 'its data' : `its data (${formatBytes(facts.allocatedBytes)} stored)`;
}

/** The question before a reset: to the base (undoable) or, for a disk without a base, to an empty disk. */
export function resetRequest(facts: DiskFacts): ConfirmRequest {
  if (facts.base !== null) {
    const changes = facts.allocatedBytes === null ? 'Every change since the base' : `Every change since the base (${formatBytes(facts.allocatedBytes)} in the overlay)`;
    return {
      title: `Reset disk ${quoted(facts.name)} to its base?`,
      details: [
        ...stopsVm(facts),
        `${changes} is dropped; the disk reads as the base again.`,
        facts.snapshotLabels.length > 0 ? `Its ${snapshotList(facts.snapshotLabels)} stay.` : 'It has no snapshots.',
        'A snapshot “before reset” is taken first: Undo puts the disk back.',
      ],
      confirmLabel: 'Reset to the base',
    };
  }
  return {
    title: `Erase disk ${quoted(facts.name)}?`,
    details: [
      ...stopsVm(facts),
      `All of ${dataOf(facts)} is erased: it becomes an empty ${formatBytes(facts.size)} disk, which the guest formats at its next start.`,
      ...(facts.snapshotLabels.length > 0 ? [`Its ${snapshotList(facts.snapshotLabels)} are deleted too.`] : []),
      'This cannot be undone: export the disk first to keep a copy.',
    ],
    confirmLabel: 'Erase',
  };
}

/** The question before a restore of snapshot `label`. */
export function restoreRequest(facts: DiskFacts, label: string): ConfirmRequest {
  return {
    title: `Restore disk ${quoted(facts.name)} to snapshot ${quoted(label)}?`,
    details: [
      ...stopsVm(facts),
      `The disk goes back to snapshot ${quoted(label)}: what it holds now is replaced.`,
      'A snapshot “before restore” is taken first: Undo puts the disk back.',
    ],
    confirmLabel: 'Restore',
  };
}

/** The question before disk `facts.name` is deleted. */
export function deleteDiskRequest(facts: DiskFacts): ConfirmRequest {
  return {
    title: `Delete disk ${quoted(facts.name)}?`,
    details: [
      ...stopsVm(facts),
      `The disk and all of ${dataOf(facts)} are deleted from this browser${facts.snapshotLabels.length > 0 ? `, with its ${snapshotList(facts.snapshotLabels)}` : ''}.`,
      'This cannot be undone: export the disk first to keep a copy.',
    ],
    confirmLabel: 'Delete',
  };
}

/** The question before snapshot `label` of disk `diskName` is deleted. */
export function deleteSnapshotRequest(diskName: string, label: string): ConfirmRequest {
  return {
    title: `Delete snapshot ${quoted(label)} of disk ${quoted(diskName)}?`,
    details: [`The disk can no longer go back to ${quoted(label)}. The disk itself and its other snapshots stay. This cannot be undone.`],
    confirmLabel: 'Delete snapshot',
  };
}
