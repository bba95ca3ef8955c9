/** The disk list with its create and import forms. Renders entries; the page does the work. */
import type { Progress } from 'qedisk';
import type { DiskListEntry } from './disk-api.ts';
import { byId, h } from './dom.ts';
import { formatBytes } from './format.ts';

/** What the buttons and forms of the panel ask the page to do. */
export interface DiskActions {
  /** Open disk `name` for the VM. */
  select(name: string): void;
  /** Delete disk `name` and create an empty one of the same size. */
  reset(name: string): void;
  /** Download disk `name` as a `.qed` file. */
  exportDisk(name: string): void;
  /** Download disk `name` as a standalone compressed `.qcow2` file. */
  exportQcow2(name: string): void;
  /** Create a new disk on the base image `name` (kept as it is by an import) and use it. */
  overlayOn(name: string): void;
  /** Delete disk `name`. */
  remove(name: string): void;
  /** Create disk `name` of `size` bytes. */
  create(name: string, size: number): void;
  /** Make disk `name` from a `.qed` or raw image file. */
  importFile(name: string, file: File, asBase: boolean): void;
}

/** Bytes per MiB. */
const MIB = 1024 * 1024;

/** The disks panel. */
export class DisksPanel {
  readonly #list = byId('disk-list', HTMLUListElement);
  readonly #progress = byId('import-progress', HTMLProgressElement);
  readonly #actions: DiskActions;
  readonly #forms: HTMLButtonElement[];

  /** Binds the forms to `actions`. */
  constructor(actions: DiskActions) {
    this.#actions = actions;
    const createName = byId('create-name', HTMLInputElement);
    const createSize = byId('create-size', HTMLInputElement);
    const importFile = byId('import-file', HTMLInputElement);
    const importName = byId('import-name', HTMLInputElement);
    this.#forms = [byId('create-button', HTMLButtonElement), byId('import-button', HTMLButtonElement)];
    byId('create-form', HTMLFormElement).addEventListener('submit', (event) => {
      event.preventDefault();
      const sizeMiB = Number(createSize.value);
      if (!Number.isInteger(sizeMiB) || sizeMiB < 1) return;
      actions.create(createName.value.trim(), sizeMiB * MIB);
      createName.value = '';
    });
    importFile.addEventListener('change', () => {
      const file = importFile.files?.[0];
      if (file && importName.value.trim() === '') importName.value = suggestName(file.name);
    });
    byId('import-form', HTMLFormElement).addEventListener('submit', (event) => {
      event.preventDefault();
      const file = importFile.files?.[0];
      const name = importName.value.trim() || (file ? suggestName(file.name) : '');
      if (!file || name === '') return;
      actions.importFile(name, file, byId('import-as-base', HTMLInputElement).checked);
      importFile.value = '';
      importName.value = '';
    });
  }

  /** Shows `entries`; `selected` is highlighted; with `busy`, every button is disabled. */
  render(entries: readonly DiskListEntry[], selected: string | null, busy: boolean): void {
    for (const button of this.#forms) button.disabled = busy;
    const items = entries.map((entry) => this.#item(entry, entry.name === selected, busy));
    if (items.length === 0) items.push(h('li', { className: 'empty', text: 'No disks yet: create one below.' }));
    this.#list.replaceChildren(...items);
  }

  /** Shows import progress, or hides the bar with null. */
  setProgress(progress: Progress | null): void {
    this.#progress.hidden = progress === null;
    if (progress) {
      this.#progress.max = Math.max(1, progress.total);
      this.#progress.value = progress.done;
    }
  }

  /** A base image kept as it is (raw, qcow2, VMDK, ...): it is not opened itself; disks are made on it. */
  #baseItem(entry: DiskListEntry, button: (label: string, action: () => void, className?: string) => HTMLButtonElement): HTMLLIElement {
    const { name } = entry;
    const overlay = button('New disk on it', () => this.#actions.overlayOn(name), 'primary');
    overlay.dataset['action'] = 'overlay';
    const format = BASE_FORMAT_NAMES[entry.format ?? ''] ?? entry.format ?? '';
    return h('li', { dataset: { disk: name, format: entry.format ?? '' } }, [
      h('div', {}, [h('span', { className: 'disk-name', text: name }), ' ', h('span', { className: 'disk-meta', text: `base image (${format}), ${formatBytes(entry.size)}` })]),
      h('div', { className: 'disk-actions' }, [overlay, button('Delete', () => this.#actions.remove(name), 'danger')]),
    ]);
  }

  #item(entry: DiskListEntry, selected: boolean, busy: boolean): HTMLLIElement {
    const { name } = entry;
    const button = (label: string, action: () => void, className = ''): HTMLButtonElement =>
      h('button', { text: label, className, disabled: busy, dataset: { action: label.toLowerCase(), disk: name }, onClick: action });
    const use = button(selected ? 'In use' : 'Use', () => this.#actions.select(name), selected ? '' : 'primary');
    const qcow2Button = button('.qcow2', () => this.#actions.exportQcow2(name));
    qcow2Button.dataset['action'] = 'export-qcow2';
    qcow2Button.title = 'Export as a standalone compressed qcow2 image (base and snapshots merged in)';
    use.dataset['action'] = 'use';
    if (selected) use.disabled = true;
    if (entry.format !== undefined && entry.format !== 'qed') return this.#baseItem(entry, button);
    return h('li', { className: selected ? 'selected' : '', dataset: { disk: name } }, [
      h('div', {}, [
        h('span', { className: 'disk-name', text: name }),
        ' ',
        h('span', { className: 'disk-meta', text: `${formatBytes(entry.size)}${entry.createdAt > 0 ? `, made ${new Date(entry.createdAt).toLocaleString()}` : ''}` }),
      ]),
      h('div', { className: 'disk-actions' }, [
        use,
        button('Export', () => this.#actions.exportDisk(name)),
        qcow2Button,
        button('Reset', () => this.#actions.reset(name)),
        button('Delete', () => this.#actions.remove(name), 'danger'),
      ]),
    ]);
  }
}

/** The format names of base images, as people know them. */
const BASE_FORMAT_NAMES: Record<string, string> = { raw: 'raw', qcow2: 'qcow2', vmdk: 'VMDK', vpc: 'VHD', vhdx: 'VHDX', vdi: 'VDI' };

/** A disk name from a file name: its stem, with unusual characters replaced. */
function suggestName(fileName: string): string {
  return fileName.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 64) || 'imported';
}
