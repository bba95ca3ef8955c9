/**
 * The "Shared base" part of the page: a form that makes a disk from the shared base, and for the
 * disk in use its base (how much is cached, polled while the guest runs), "make available
 * offline", reset, snapshots and the two exports. The work is done by `BaseActions`; the page
 * runs each through its one-operation-at-a-time `run`.
 */
import { type Disk, type DiskInfo, listSnapshots, type RemoteBaseStatus, type SnapshotInfo } from 'qedisk';
import type { BaseActions } from './base-actions.ts';
import { isOpfsDisk } from './base-image.ts';
import { renderSnapshotList } from './base-snapshot-list.ts';
import { renderBaseStatus } from './base-status-view.ts';
import { originalBase } from './disk-chain.ts';
import { byId } from './dom.ts';

/** Milliseconds between two looks at the base's cache. */
const POLL_MS = 500;

/** What the panel needs from the page. */
export interface BasePanelHooks {
  /** Runs `action` as the page's one operation (buttons disabled, errors shown in the status line). */
  run(label: string, action: () => Promise<string>): void;
  /** The disk in use, or null. */
  current(): { name: string; disk: Disk } | null;
  /** True while a page operation runs. */
  busy(): boolean;
}

/** What the panel knows about the disk in use. */
interface Shown {
  name: string;
  disk: Disk;
  /** The header's backing name (URL or file), or null without a base. */
  backing: string | null;
  /** The backing chain, to tell a base from the disk's own snapshots. */
  chain: Pick<DiskInfo, 'chain' | 'backingFile'>;
  snapshots: SnapshotInfo[];
  status: RemoteBaseStatus | null;
}

/** The shared-base panel. */
export class BasePanel {
  readonly #actions: BaseActions;
  readonly #hooks: BasePanelHooks;
  readonly #details = byId('base-disk', HTMLDivElement);
  readonly #diskName = byId('base-disk-name', HTMLSpanElement);
  readonly #facts = byId('base-status', HTMLDListElement);
  readonly #bar = byId('base-cache-progress', HTMLProgressElement);
  readonly #opProgress = byId('base-op-progress', HTMLProgressElement);
  readonly #snapshotList = byId('snapshot-list', HTMLUListElement);
  /** The base's facts and buttons: only for a disk that has a base below its snapshots. */
  readonly #baseFacts = byId('base-facts', HTMLDivElement);
  /** The overlay and flattened exports: only for a disk that has a base or snapshots (else the list's Export is the file). */
  readonly #exportBox = byId('base-export', HTMLDivElement);
  readonly #snapshotDiskName = byId('snapshot-disk-name', HTMLSpanElement);
  readonly #buttons = {
    create: byId('base-create', HTMLButtonElement),
    offline: byId('base-offline', HTMLButtonElement),
    reset: byId('base-reset', HTMLButtonElement),
    snapshot: byId('snapshot-take', HTMLButtonElement),
    exportOverlay: byId('export-overlay', HTMLButtonElement),
    exportFlat: byId('export-flat', HTMLButtonElement),
  };
  #shown: Shown | null = null;
  /** The disk whose details are being loaded (or were), to notice a change of disk. */
  #disk: Disk | null = null;

  /** Binds the controls to `actions` and starts polling the base of the disk in use. */
  constructor(actions: BaseActions, hooks: BasePanelHooks) {
    this.#actions = actions;
    this.#hooks = hooks;
    const nameInput = byId('base-name', HTMLInputElement);
    const labelInput = byId('snapshot-label', HTMLInputElement);
    byId('base-form', HTMLFormElement).addEventListener('submit', (event) => {
      event.preventDefault();
      const name = nameInput.value.trim();
      if (name !== '') this.#run(`Creating ${name} on the shared base…`, () => actions.createDisk(name));
    });
    byId('snapshot-form', HTMLFormElement).addEventListener('submit', (event) => {
      event.preventDefault();
      const label = labelInput.value.trim() || `snapshot ${new Date().toLocaleTimeString()}`;
      labelInput.value = '';
      this.#run(`Taking snapshot “${label}”…`, () => actions.snapshot(label));
    });
    this.#buttons.reset.addEventListener('click', () => {
      const name = this.#shown?.name;
      if (name) this.#run(`Resetting ${name} to the base…`, () => actions.reset(name));
    });
    this.#buttons.offline.addEventListener('click', () =>
      this.#run('Downloading the rest of the base…', () => this.#withProgress((report) => actions.makeAvailableOffline((p) => report(p.done, p.total)))),
    );
    this.#buttons.exportOverlay.addEventListener('click', () => this.#run('Exporting the overlay…', () => actions.exportOverlay()));
    this.#buttons.exportFlat.addEventListener('click', () =>
      this.#run('Exporting the flattened disk…', () => this.#withProgress((report) => actions.exportFlattened((p) => report(p.done, p.total)))),
    );
    setInterval(() => void this.#poll(), POLL_MS);
  }

  /** Brings the panel up to date with the page (disk in use, busy); call whenever those change. */
  render(): void {
    const current = this.#hooks.current();
    if ((current?.disk ?? null) !== this.#disk) {
      this.#disk = current?.disk ?? null;
      this.#shown = null;
      if (current) void this.#load(current.name, current.disk);
    }
    const shown = this.#shown;
    const busy = this.#hooks.busy();
    const hasBase = shown !== null && shown.backing !== null;
    const remote = shown?.status ?? null;
    this.#details.hidden = shown === null;
    this.#baseFacts.hidden = shown === null || originalBase(shown.chain) === null;
    this.#exportBox.hidden = !hasBase;
    this.#snapshotDiskName.textContent = shown ? `of ${shown.name}` : '';
    this.#diskName.textContent = shown?.name ?? '';
    this.#details.dataset['disk'] = shown?.name ?? '';
    this.#buttons.create.disabled = busy;
    this.#buttons.offline.disabled = busy || remote === null || remote.complete;
    this.#buttons.reset.disabled = busy || !hasBase;
    this.#buttons.snapshot.disabled = busy || shown === null;
    this.#buttons.exportOverlay.disabled = busy || shown === null;
    this.#buttons.exportFlat.disabled = busy || shown === null;
    if (!shown) return;
    this.#renderStatus(shown);
    renderSnapshotList(this.#snapshotList, shown.snapshots, busy, {
      restore: (id, label) => this.#run(`Restoring snapshot “${label}”…`, () => this.#actions.restore(id, label)),
      remove: (id, label) => this.#run(`Deleting snapshot “${label}”…`, () => this.#actions.deleteSnapshot(id, label)),
    });
  }

  /** Shows the base's cache state of `shown` (and whether the whole base still needs fetching). */
  #renderStatus(shown: Shown): void {
    const note = shown.backing === null ? 'none: the disk stands alone' : `${shown.backing} (not on the web)`;
    renderBaseStatus(this.#facts, this.#bar, shown.status, note);
    this.#buttons.offline.disabled = this.#hooks.busy() || shown.status === null || shown.status.complete;
  }

  /** Runs `action` through the page, then reloads the snapshot list. */
  #run(label: string, action: () => Promise<string>): void {
    this.#hooks.run(label, async () => {
      try {
        return await action();
      } finally {
        const current = this.#hooks.current();
        if (current && this.#shown?.disk === current.disk) {
          const shown = this.#shown;
          shown.snapshots = await listSnapshots(current.name).catch(() => shown.snapshots);
          const info = await current.disk.info().catch(() => null);
          if (info) [shown.backing, shown.chain] = [info.backingFile, info];
        }
        this.render();
      }
    });
  }

  /** Shows the operation bar while `action` runs; `action` reports bytes done of a total. */
  async #withProgress(action: (report: (done: number, total: number) => void) => Promise<string>): Promise<string> {
    const bar = this.#opProgress;
    bar.value = 0;
    bar.hidden = false;
    try {
      return await action((done, total) => {
        bar.max = Math.max(1, total);
        bar.value = done;
      });
    } finally {
      bar.hidden = true;
    }
  }

  /** Reads the base, cache state and snapshots of the newly chosen disk. */
  async #load(name: string, disk: Disk): Promise<void> {
    try {
      const [info, snapshots] = await Promise.all([disk.info(), listSnapshots(name)]);
      const status = isOpfsDisk(disk) ? await disk.baseStatus() : null;
      if (this.#disk !== disk) return;
      this.#shown = { name, disk, backing: info.backingFile, chain: info, snapshots, status };
    } catch {
      if (this.#disk === disk) this.#disk = null; // tried again on the next render
      return;
    }
    this.render();
  }

  /** Refreshes the base's cache state (answered at once, even while the guest waits on the network). */
  async #poll(): Promise<void> {
    const shown = this.#shown;
    if (!shown || shown.backing === null || !isOpfsDisk(shown.disk)) return;
    const status = await shown.disk.baseStatus().catch(() => shown.status);
    if (this.#shown !== shown) return;
    shown.status = status;
    this.#renderStatus(shown);
  }
}
