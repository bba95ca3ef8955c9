/**
 * The VM saves panel: save the running VM (its memory and its disk, as one save point), resume a
 * save, export it as one `.qvm` file, import such a file (from another browser, say), and open a
 * VM published on a web server by its URL. List items carry `data-save`, `data-kind`,
 * `data-disk`, `data-snapshot`, `data-state-bytes` and `data-stored-bytes` for tests; the page's status line says
 * what each action did.
 */
import { type Disk, type OpfsDisk, type VmSaveInfo, deleteVmSave, exportVm, importVm, listVmSaves, openPublishedVm, restoreVm, saveVm } from 'qedisk';
import { downloadFile } from './base-image.ts';
import { byId, h } from './dom.ts';
import { formatBytes } from './format.ts';
import { isFastStart } from './saved-state-store.ts';
import type { RunningVm } from './vm-runner.ts';

/** What the panel needs from the page. */
export interface VmSavesHost {
  /** Runs one page operation at a time (buttons disabled, errors in the status line). */
  run(label: string, action: () => Promise<string | void>): void;
  /** True while a page operation runs. */
  busy(): boolean;
  /** The running VM, or null. */
  running(): RunningVm | null;
  /** The name of the disk in use, or null. */
  currentDisk(): string | null;
  /** Stops the VM and makes disk `name` the disk in use; resolves the disk. */
  useDisk(name: string): Promise<Disk>;
  /** Starts Linux on the disk in use from VM save `name`; resolves a status text. */
  startFromSave(name: string): Promise<string>;
}

/** The panel. */
export class VmSavesPanel {
  readonly #list = byId('vm-save-list', HTMLUListElement);
  readonly #saveButton = byId('vm-save-button', HTMLButtonElement);
  readonly #note = byId('vm-save-note', HTMLParagraphElement);
  readonly #host: VmSavesHost;
  #saves: VmSaveInfo[] = [];

  /** Binds the panel's forms to `host`. */
  constructor(host: VmSavesHost) {
    this.#host = host;
    const nameInput = byId('vm-save-name', HTMLInputElement);
    const importInput = byId('vm-import-file', HTMLInputElement);
    const urlInput = byId('vm-open-url', HTMLInputElement);
    byId('vm-save-form', HTMLFormElement).addEventListener('submit', (event) => {
      event.preventDefault();
      const name = nameInput.value.trim();
      if (name !== '') host.run(`Saving the VM as ${name}…`, () => this.#save(name));
    });
    byId('vm-import-form', HTMLFormElement).addEventListener('submit', (event) => {
      event.preventDefault();
      const file = importInput.files?.[0];
      if (file) host.run(`Importing ${file.name}…`, () => this.#import(file));
      importInput.value = '';
    });
    byId('vm-open-form', HTMLFormElement).addEventListener('submit', (event) => {
      event.preventDefault();
      const url = urlInput.value.trim();
      if (url !== '') host.run(`Opening the VM at ${url}…`, () => this.#open(url));
    });
  }

  /** Reads the saves again and redraws the list. */
  async refresh(): Promise<void> {
    this.#saves = await listVmSaves();
    this.render();
  }

  /** Redraws the list and the buttons' states. */
  render(): void {
    const busy = this.#host.busy();
    const vm = this.#host.running();
    this.#saveButton.disabled = busy || vm === null || vm.guest !== 'linux';
    const items = this.#saves.map((save) => this.#item(save, busy));
    if (items.length === 0) items.push(h('li', { className: 'empty', text: 'No VM saves.' }));
    this.#list.replaceChildren(...items);
  }

  #item(save: VmSaveInfo, busy: boolean): HTMLLIElement {
    const fastStart = isFastStart(save);
    const buttons = [
      fastStart ? null : h('button', { text: 'Resume', disabled: busy, dataset: { action: 'restore' }, onClick: () => this.#host.run(`Resuming ${save.name}…`, () => this.#restore(save)) }),
      fastStart ? null : h('button', { text: 'Export', disabled: busy, dataset: { action: 'export' }, onClick: () => this.#host.run(`Exporting ${save.name}…`, () => this.#export(save.name)) }),
      h('button', { text: 'Delete', className: 'danger', disabled: busy, dataset: { action: 'delete' }, onClick: () => this.#host.run(`Deleting ${save.name}…`, () => this.#delete(save.name)) }),
    ].filter((button) => button !== null);
    const facts = [
      fastStart ? 'fast start (no disk)' : `disk ${save.diskName ?? '?'}`,
      `state ${formatBytes(save.stateBytes)}`,
      `${formatBytes(save.storedBytes)} stored`,
      new Date(save.createdAt).toLocaleString(),
    ];
    const dataset = { save: save.name, kind: save.kind, disk: save.diskName ?? '', snapshot: save.snapshotId ?? '', stateBytes: String(save.stateBytes), storedBytes: String(save.storedBytes) };
    return h('li', { dataset }, [
      h('div', {}, [h('span', { className: 'disk-name', text: save.name }), ' ', h('span', { className: 'disk-meta', text: facts.join(', ') })]),
      h('div', { className: 'disk-actions' }, buttons),
    ]);
  }

  async #save(name: string): Promise<string> {
    const vm = this.#host.running();
    if (!vm) throw new Error('start the VM first');
    const saved = await saveVm(vm.emulator, vm.disk, { name, meta: { guest: vm.guest } });
    await this.refresh();
    const text = `Saved VM ${name}: state ${formatBytes(saved.stateBytes)} (${formatBytes(saved.storedBytes)} stored), guest paused ${Math.round(saved.pausedMs)} ms.`;
    this.#note.textContent = text;
    return text;
  }

  async #restore(save: VmSaveInfo): Promise<string> {
    if (save.diskName === null) throw new Error(`${save.name} has no disk to resume on`);
    let vm = this.#host.running();
    if (this.#host.currentDisk() !== save.diskName) {
      await this.#host.useDisk(save.diskName);
      vm = null;
    }
    if (vm === null || vm.guest !== 'linux') return this.#host.startFromSave(save.name);
    const started = performance.now();
    await restoreVm(vm.emulator, vm.disk, save.name);
    return `Resumed ${save.name} in ${Math.round(performance.now() - started)} ms.`;
  }

  async #export(name: string): Promise<string> {
    const file = await exportVm(name);
    downloadFile(file, `${name}.qvm`);
    return `Exported ${name}.qvm (${formatBytes(file.size)}).`;
  }

  async #delete(name: string): Promise<string> {
    if (!window.confirm(`Delete the VM save ${name}?`)) return 'Nothing deleted.';
    const { snapshotDeleted } = await deleteVmSave(name);
    await this.refresh();
    return `Deleted ${name}${snapshotDeleted ? ' and its disk snapshot' : ' (its disk snapshot stays: later snapshots or the disk sit on it)'}.`;
  }

  async #import(file: File): Promise<string> {
    const save = await importVm(file);
    await this.refresh();
    return `Imported VM ${save.name}${save.diskName ? ` with disk ${save.diskName}` : ''}: press Resume.`;
  }

  async #open(url: string): Promise<string> {
    const started = performance.now();
    const save = await openPublishedVm(url);
    if (save.diskName === null) throw new Error('a published VM needs a disk');
    await this.refresh();
    const disk = await this.#host.useDisk(save.diskName);
    const status = await this.#host.startFromSave(save.name);
    // Offline later: fetch the rest of the base while the guest runs (progress in the base panel).
    if (isOpfsDisk(disk)) void disk.makeAvailableOffline().catch(() => undefined);
    const source = save.downloaded ? 'downloaded' : 'kept in this browser';
    this.#note.textContent = `Published VM ${save.name} (${source}) running ${((performance.now() - started) / 1000).toFixed(1)} s after Open.`;
    return status;
  }
}

/** True when `disk` can cache its HTTP base (a disk from `openDisk`). */
function isOpfsDisk(disk: Disk): disk is OpfsDisk {
  return typeof Reflect.get(disk, 'makeAvailableOffline') === 'function';
}
