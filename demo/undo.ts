/**
 * Undo for the demo's reset and restore: each takes an O(1) snapshot of the disk first
 * (`snapshotDisk`), and the page offers an Undo button next to the status line that restores it,
 * until the next operation starts. The snapshot stays in the disk's list afterwards (its label
 * says what it was for), so the way back is kept even after a reload.
 */
import { restoreSnapshot, snapshotDisk } from 'qedisk';

/** A snapshot taken to undo an action. */
export interface UndoPoint {
  /** The disk. */
  diskName: string;
  /** The snapshot to restore. */
  snapshotId: string;
  /** Its label, e.g. "before reset 14:02:11". */
  label: string;
}

/** Freezes disk `diskName` as snapshot "before `what` TIME" (the caller stopped its VM first). */
export async function takeUndoSnapshot(diskName: string, what: string): Promise<UndoPoint> {
  const label = `before ${what} ${new Date().toLocaleTimeString()}`;
  const snapshot = await snapshotDisk(diskName, label);
  return { diskName, snapshotId: snapshot.id, label };
}

/** The Undo button beside the status line. */
export class UndoButton {
  readonly #button: HTMLButtonElement;
  #pending: { point: UndoPoint; run: (point: UndoPoint) => void } | null = null;

  /** Puts a hidden Undo button right after `statusLine`. */
  constructor(statusLine: HTMLElement) {
    this.#button = document.createElement('button');
    this.#button.type = 'button';
    this.#button.id = 'undo-button';
    this.#button.className = 'small';
    this.#button.hidden = true;
    this.#button.addEventListener('click', () => {
      const pending = this.#pending;
      this.clear();
      if (pending) pending.run(pending.point);
    });
    statusLine.after(this.#button);
  }

  /** Shows "Undo" for `point`; a click calls `run(point)` once. */
  offer(point: UndoPoint, run: (point: UndoPoint) => void): void {
    this.#pending = { point, run };
    this.#button.textContent = `Undo (restore “${point.label}”)`;
    this.#button.hidden = false;
  }

  /** Takes the offer back (another operation started). */
  clear(): void {
    this.#pending = null;
    this.#button.hidden = true;
  }
}

/** What undoing needs from the page. */
export interface UndoHooks {
  /** The name of the disk in use, or null. */
  currentName(): string | null;
  /** Stops the VM (the guest syncs first). */
  stopVm(): Promise<unknown>;
  /** Reopens disk `name` as the disk in use. */
  useDisk(name: string): Promise<unknown>;
}

/** Puts the disk of `point` back to its snapshot; returns the text for the status line. */
export async function undoTo(point: UndoPoint, hooks: UndoHooks): Promise<string> {
  const inUse = hooks.currentName() === point.diskName;
  if (inUse) await hooks.stopVm();
  await restoreSnapshot(point.diskName, point.snapshotId);
  if (inUse) await hooks.useDisk(point.diskName);
  return `Undone: ${point.diskName} is back as it was (snapshot “${point.label}”, kept in its list).`;
}
