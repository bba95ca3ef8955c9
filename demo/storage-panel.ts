/**
 * The "Storage" panel: where the origin's quota goes (`storageReport`: each disk with what
 * compacting it gives back, its snapshots, the HTTP base caches, stray files, the browser's
 * estimate and persistence) and the actions that give space back: Compact per disk, Free per
 * unused base cache, and "Keep storage" (`requestPersistence`). Results and errors stay in the
 * panel; the page runs each action as its one operation.
 */
import {
  type BaseCacheReport,
  type CompactDiskProgress,
  type CompactDiskResult,
  type DiskStorageReport,
  type StorageReport,
  DiskAttachedError,
  DiskBusyError,
  StorageInUseError,
  compactDisk,
  freeBaseCache,
  requestPersistence,
  storageReport,
} from 'qedisk';
import type { ConfirmRequest } from './confirm-dialog.ts';
import { byId, describeError, h } from './dom.ts';
import { formatBytes, formatPercent } from './format.ts';

/** What the panel needs from the page. */
export interface StoragePanelHooks {
  /** Runs `action` as the page's one operation (buttons disabled, its result in the status line). */
  run(label: string, action: () => Promise<string>): void;
  /** True while a page operation runs. */
  busy(): boolean;
  /** Asks before a destructive action; resolves true when confirmed. */
  confirm(request: ConfirmRequest): Promise<boolean>;
}

/** A line shown next to a disk or cache: progress, a result or an error. */
interface RowNote {
  text: string;
  error: boolean;
}

/** The storage panel. */
export class StoragePanel {
  readonly #hooks: StoragePanelHooks;
  readonly #facts = byId('storage', HTMLDListElement);
  readonly #table = byId('storage-table', HTMLTableElement);
  readonly #note = byId('storage-note', HTMLParagraphElement);
  readonly #refreshButton = byId('storage-refresh', HTMLButtonElement);
  readonly #persistButton = byId('persist-button', HTMLButtonElement);
  readonly #freeBlocks = byId('compact-free-blocks', HTMLInputElement);
  /** Notes by row key (`disk:NAME`, `cache:ID`); they outlive a refresh. */
  readonly #notes = new Map<string, RowNote>();
  #report: StorageReport | null = null;
  #refreshing: Promise<void> | null = null;

  /** Binds the buttons. */
  constructor(hooks: StoragePanelHooks) {
    this.#hooks = hooks;
    this.#refreshButton.addEventListener('click', () => void this.refresh());
    this.#persistButton.addEventListener('click', () => void this.#keepStorage());
  }

  /** Reads the storage report again and shows it; a failure is shown in the panel. */
  refresh(): Promise<void> {
    this.#refreshing ??= (async () => {
      try {
        this.#report = await storageReport();
        this.#showNote('');
      } catch (error) {
        this.#showNote(`Storage report failed: ${describeError(error)}`, true);
      } finally {
        this.#refreshing = null;
        this.render();
      }
    })();
    return this.#refreshing;
  }

  /** Shows the last report; buttons are disabled while a page operation runs. */
  render(): void {
    const busy = this.#hooks.busy();
    this.#refreshButton.disabled = busy;
    const report = this.#report;
    this.#persistButton.disabled = report?.persisted ?? false;
    this.#persistButton.textContent = report?.persisted ? 'Storage is kept' : 'Keep storage';
    if (!report) return;
    const estimate = report.estimate;
    const facts: Array<[string, string, string]> = [
      ['Used (browser estimate)', estimate ? `${formatBytes(estimate.usage)} of ${formatBytes(estimate.quota)} (${formatPercent(estimate.usage, estimate.quota)})` : 'unknown', 'usage'],
      ['Persistent', report.persisted ? 'yes' : 'no (best effort)', 'persisted'],
      ['Disk files', formatBytes(report.totalBytes), 'total'],
      ['Reclaimable', formatBytes(report.reclaimableBytes), 'reclaimable'],
    ];
    this.#facts.replaceChildren(...facts.flatMap(([label, value, key]) => [h('dt', { text: label }), h('dd', { text: value, dataset: { fact: key } })]));
    const rows: HTMLTableRowElement[] = [];
    rows.push(heading('Disks', ['Name', 'Bytes', 'Reclaimable', 'Snapshots', '']));
    if (report.disks.length === 0) rows.push(emptyRow('No disks.'));
    for (const disk of report.disks) rows.push(this.#diskRow(disk, busy));
    rows.push(heading('Base caches', ['URL', 'Bytes', 'Disks on it', 'In use', '']));
    if (report.baseCaches.length === 0) rows.push(emptyRow('No base caches.'));
    for (const cache of report.baseCaches) rows.push(this.#cacheRow(cache, busy));
    if (report.strayFiles.length > 0) {
      rows.push(heading('Stray files', ['File', 'Bytes', '', '', '']));
      for (const file of report.strayFiles) rows.push(h('tr', { dataset: { stray: file.file } }, [cell(file.file, 'name'), cell(formatBytes(file.bytes), 'num'), cell(''), cell(''), cell('')]));
    }
    if (report.otherStorage.length > 0) {
      rows.push(heading('Other storage', ['Folder', 'Bytes', 'Files', '', '']));
      for (const other of report.otherStorage) rows.push(h('tr', {}, [cell(other.name, 'name'), cell(formatBytes(other.bytes), 'num'), cell(String(other.files), 'num'), cell(''), cell('')]));
    }
    this.#table.replaceChildren(h('tbody', {}, rows));
  }

  #diskRow(disk: DiskStorageReport, busy: boolean): HTMLTableRowElement {
    const key = `disk:${disk.name}`;
    const snapshotBytes = disk.snapshots.reduce((sum, snapshot) => sum + (snapshot.bytes ?? 0), 0);
    const compact = h('button', { text: 'Compact', className: 'small', disabled: busy, dataset: { action: 'compact', disk: disk.name }, onClick: () => this.#compact(disk.name) });
    compact.title = disk.open ? 'Rewrite the disk without unreferenced and all-zero clusters (open in this page: its snapshots are skipped)' : 'Rewrite the disk and its snapshots without unreferenced and all-zero clusters';
    const format = disk.format === 'qed' ? '' : ` (${disk.format} base)`;
    return h('tr', { dataset: { disk: disk.name } }, [
      h('td', { className: 'name' }, [disk.name, ...(format || disk.open ? [' ', h('span', { className: 'disk-meta', text: `${format.trim()}${disk.open ? ' open in this page' : ''}`.trim() })] : [])]),
      cell(formatBytes(disk.totalBytes), 'num'),
      cell(disk.file.reclaimableBytes === null && disk.reclaimableBytes === 0 ? 'unknown' : formatBytes(disk.reclaimableBytes), 'num'),
      cell(disk.snapshots.length === 0 ? '0' : `${disk.snapshots.length} (${formatBytes(snapshotBytes)})`, 'num'),
      actionCell([compact, this.#noteOf(key)]),
    ]);
  }

  #cacheRow(cache: BaseCacheReport, busy: boolean): HTMLTableRowElement {
    const key = `cache:${cache.id}`;
    const actions: Node[] = [];
    if (!cache.inUse) {
      actions.push(h('button', { text: 'Free', className: 'small danger', disabled: busy, dataset: { action: 'free-cache', cache: cache.id }, onClick: () => this.#freeCache(cache) }));
    }
    actions.push(this.#noteOf(key));
    const label = cache.url ?? `${cache.id} (no disk uses it)`;
    return h('tr', { dataset: { cache: cache.id } }, [
      h('td', { className: 'name url', text: label, title: label }),
      cell(formatBytes(cache.bytes), 'num'),
      cell(cache.disks.length === 0 ? 'none' : cache.disks.join(', '), 'num'),
      cell(cache.inUse ? 'yes' : 'no', 'num'),
      actionCell(actions),
    ]);
  }

  #noteOf(key: string): HTMLSpanElement {
    const note = this.#notes.get(key);
    return h('span', { className: `row-note${note?.error ? ' error' : ''}`, text: note?.text ?? '', dataset: { note: key } });
  }

  /** Sets the note of row `key` and shows it at once (the table is not rebuilt for progress). */
  #setRowNote(key: string, text: string, error = false): void {
    this.#notes.set(key, { text, error });
    const shown = [...this.#table.querySelectorAll<HTMLSpanElement>('span.row-note')].find((span) => span.dataset['note'] === key);
    if (shown) {
      shown.textContent = text;
      shown.classList.toggle('error', error);
    }
  }

  #showNote(text: string, error = false): void {
    this.#note.textContent = text;
    this.#note.classList.toggle('error', error);
  }

  #compact(name: string): void {
    const key = `disk:${name}`;
    const freeUnusedBlocks = this.#freeBlocks.checked;
    this.#hooks.run(`Compacting ${name}…`, async () => {
      this.#setRowNote(key, 'Compacting…');
      try {
        const result = await compactDisk(name, { freeUnusedBlocks, onProgress: (progress) => this.#setRowNote(key, progressText(progress)) });
        const text = resultText(result);
        this.#setRowNote(key, text);
        return `Compacted ${name}: ${text}.`;
      } catch (error) {
        if (error instanceof DiskAttachedError) {
          this.#setRowNote(key, 'A VM is running on this disk: stop the VM first, then compact.', true);
          return `Not compacted: stop the VM on ${name} first.`;
        }
        if (error instanceof DiskBusyError) {
          this.#setRowNote(key, 'Open in another tab: close it there first.', true);
          return `Not compacted: ${name} is open in another tab.`;
        }
        this.#setRowNote(key, `Failed: ${describeError(error)}`, true);
        throw error;
      } finally {
        await this.refresh();
      }
    });
  }

  #freeCache(cache: BaseCacheReport): void {
    const key = `cache:${cache.id}`;
    const what = cache.url ?? cache.id;
    this.#hooks.run(`Freeing the cache of ${what}…`, async () => {
      const disks = cache.disks.map((disk) => `“${disk}”`).join(', ');
      const confirmed = await this.#hooks.confirm({
        title: `Free the cache of base ${what}?`,
        details: [
          `${formatBytes(cache.bytes)} of the base kept in this browser are deleted.`,
          cache.disks.length > 0
            ? `The disk${cache.disks.length === 1 ? '' : 's'} on it (${disks}) will need the network again to read the base: not available offline until it is fetched again.`
            : 'No disk uses this base now.',
          'The disks themselves and their changes stay.',
        ],
        confirmLabel: 'Free the cache',
      });
      if (!confirmed) return 'Nothing freed.';
      try {
        const freed = await freeBaseCache(cache.id);
        this.#setRowNote(key, `Freed ${formatBytes(freed)}.`);
        return `Freed ${formatBytes(freed)} of cached base.`;
      } catch (error) {
        if (error instanceof StorageInUseError) {
          this.#setRowNote(key, 'A disk open here or in another tab reads through it: close it first.', true);
          return 'Not freed: the base cache is in use.';
        }
        this.#setRowNote(key, `Failed: ${describeError(error)}`, true);
        throw error;
      } finally {
        await this.refresh();
      }
    });
  }

  async #keepStorage(): Promise<void> {
    try {
      const kept = await requestPersistence();
      this.#showNote(kept ? 'The browser will keep this storage.' : 'The browser did not grant persistent storage (it may after more use, or for an installed site).', !kept);
    } catch (error) {
      this.#showNote(`Keep storage failed: ${describeError(error)}`, true);
    }
    const note = this.#note.textContent;
    const isError = this.#note.classList.contains('error');
    await this.refresh();
    this.#showNote(note ?? '', isError);
  }
}

/** "Compacting file 2/3 (lab.qed): 45%". */
function progressText(progress: CompactDiskProgress): string {
  const percent = progress.total > 0 ? Math.floor((progress.done / progress.total) * 100) : 100;
  return `Compacting file ${progress.fileIndex + 1}/${progress.fileCount} (${progress.file}): ${percent}%`;
}

/** "1.2 MiB → 320.0 KiB", with what the free-block pass did and what was skipped. */
function resultText(result: CompactDiskResult): string {
  const parts = [`${formatBytes(result.bytesBefore)} → ${formatBytes(result.bytesAfter)}`];
  if (result.freeSpace) {
    parts.push(result.freeSpace.skipped ? `free blocks not used: ${result.freeSpace.skipped}` : `${formatBytes(result.freeSpace.discardedBytes)} of free ${result.freeSpace.fileSystem ?? ''} blocks dropped`);
  }
  if (result.skipped.length > 0) parts.push(`${result.skipped.length} file${result.skipped.length === 1 ? '' : 's'} skipped`);
  return parts.join('; ');
}

/** The last cell of a row: its buttons and note. */
function actionCell(children: Node[]): HTMLTableCellElement {
  return h('td', {}, [h('div', { className: 'row-actions' }, children)]);
}

function cell(text: string, className = ''): HTMLTableCellElement {
  return h('td', { text, className });
}

function heading(title: string, columns: readonly string[]): HTMLTableRowElement {
  return h('tr', { className: 'group' }, columns.map((column, index) => h('th', { text: index === 0 ? `${title}: ${column}` : column })));
}

function emptyRow(text: string): HTMLTableRowElement {
  const td = h('td', { text, className: 'muted' });
  td.colSpan = 5;
  return h('tr', {}, [td]);
}
