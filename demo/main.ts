/**
 * The qedisk demo page: a catalogue of QED disks kept in OPFS, v86 booting a guest from the disk
 * in use, its screen and serial console, and live statistics with a picture of the clusters.
 */
import type { Disk, V86DiskFailure } from 'qedisk';
import { loadAllocation } from './allocation.ts';
import { createBaseActions } from './base-actions.ts';
import { downloadFile } from './base-image.ts';
import { BasePanel } from './base-panel.ts';
import { ClusterMap } from './cluster-map.ts';
import { confirmAction } from './confirm-dialog.ts';
import { deleteDiskRequest, resetRequest } from './destructive.ts';
import { type DiskListEntry, deleteNamedDisk, importNamedDisk, listDiskEntries, openNamedDisk } from './disk-api.ts';
import { type StandaloneExport, exportStandalone } from './disk-export.ts';
import { gatherFacts } from './disk-facts.ts';
import { DisksPanel } from './disks-panel.ts';
import { bindQcow2BaseButton, createDiskOnBase, downloadQcow2 } from './qcow2-base.ts';
import { bindPythonBaseButton } from './python-base.ts';
import { byId, describeError } from './dom.ts';
import { formatBytes } from './format.ts';
import { GuestUi, clearScreen } from './guest-ui.ts';
import { SerialConsole } from './serial-console.ts';
import { renderDiskStats } from './stats-panel.ts';
import { StoragePanel } from './storage-panel.ts';
import { UndoButton, undoTo } from './undo.ts';
import { installUnloadGuard } from './unload-guard.ts';
import { type GuestKind, type RunningVm, startVm } from './vm-runner.ts';
import { VmSavesPanel } from './vm-saves-panel.ts';
import { type StopSync, describeStop, syncBeforeStop } from './vm-stop.ts';

/** Milliseconds between statistics updates. */
const STATS_INTERVAL_MS = 1000;
/** localStorage keys for the disk in use and the guest. */
const DISK_KEY = 'qedisk-demo:disk';
const GUEST_KEY = 'qedisk-demo:guest';

const statusLine = byId('status', HTMLParagraphElement);
const guestSelect = byId('guest-select', HTMLSelectElement);
const coldBoot = byId('cold-boot', HTMLInputElement);
const startButton = byId('start-button', HTMLButtonElement);
const stopButton = byId('stop-button', HTMLButtonElement);
const vmState = byId('vm-state', HTMLSpanElement);
const vmDisk = byId('vm-disk', HTMLSpanElement);
const screen = byId('screen', HTMLDivElement);
const diskStats = byId('disk-stats', HTMLDListElement);
const mapNote = byId('map-note', HTMLParagraphElement);
const serial = new SerialConsole(byId('serial-output', HTMLPreElement), byId('serial-form', HTMLFormElement), byId('serial-input', HTMLInputElement));
const clusters = new ClusterMap(byId('cluster-map', HTMLCanvasElement));
const undoButton = new UndoButton(statusLine);
const guestUi = new GuestUi({
  show: (text) => setStatus(text),
  canShow: () => !busy && !statusLine.classList.contains('error'),
  overlay: byId('boot-overlay', HTMLParagraphElement),
  console: byId('serial-output', HTMLPreElement),
  savedState: byId('vm-saved', HTMLSpanElement),
});

let entries: DiskListEntry[] = [];
let current: { name: string; disk: Disk } | null = null;
let vm: RunningVm | null = null;
let busy = false;

const panel = new DisksPanel({
  select: (name) => void exclusive(`Opening ${name}…`, () => useDisk(name)),
  create: (name, size) => void exclusive(`Creating ${name}…`, () => createDisk(name, size)),
  reset: (name) => void exclusive(`Resetting ${name}…`, () => resetDisk(name)),
  remove: (name) => void exclusive(`Deleting ${name}…`, () => removeDisk(name)),
  exportDisk: (name) => void exclusive(`Exporting ${name}…`, () => exportDisk(name)),
  exportQcow2: (name) => void exclusive(`Exporting ${name} as qcow2…`, () => exportDiskAsQcow2(name)),
  overlayOn: (name) => void exclusive(`Making a disk on ${name}…`, () => overlayOnBase(name)),
  importFile: (name, file, asBase) => void exclusive(`Importing ${file.name} as ${name}…`, () => importDisk(name, file, asBase)),
});
const baseActions = createBaseActions({
  current: () => current,
  diskNames: () => entries.map((entry) => entry.name),
  stopVm,
  settleVm: async () => {
    if (vm) await syncBeforeStop(vm); // what the guest holds goes into the snapshot or export too
    if (vm) await vm.disk.settled();
  },
  useDisk: (name) => useDisk(name),
  facts: (name) => gatherFacts(name, { entries, current, vmRunning: vm !== null }),
  confirm: confirmAction,
  offerUndo: (point) =>
    undoButton.offer(point, (target) => void exclusive(`Undoing: restoring “${target.label}”…`, () => undoTo(target, { currentName: () => current?.name ?? null, stopVm, useDisk }))),
});
const vmSaves = new VmSavesPanel({
  run: (label, action) => void exclusive(label, action),
  busy: () => busy,
  running: () => vm,
  currentDisk: () => current?.name ?? null,
  useDisk: async (name) => {
    await useDisk(name);
    if (!current) throw new Error(`disk ${name} did not open`);
    return current.disk;
  },
  startFromSave: (name) => startSelectedGuest(name),
});
bindQcow2BaseButton({ run: (label, action) => void exclusive(label, action), diskNames: () => entries.map((entry) => entry.name), useDisk: (name) => useDisk(name) });
bindPythonBaseButton({ run: (label, action) => void exclusive(label, action), diskNames: () => entries.map((entry) => entry.name), useDisk: (name) => useDisk(name) });
const basePanel = new BasePanel(baseActions, { run: (label, action) => void exclusive(label, action), current: () => current, busy: () => busy });
const storagePanel = new StoragePanel({ run: (label, action) => void exclusive(label, action), busy: () => busy, confirm: confirmAction });

/** Shows a message in the status line. */
function setStatus(message: string, isError = false): void {
  statusLine.textContent = message;
  statusLine.classList.toggle('error', isError);
}

/** Runs one page operation at a time, with the buttons disabled and errors shown. */
async function exclusive(label: string, action: () => Promise<string | void>): Promise<void> {
  if (busy) return;
  busy = true;
  undoButton.clear();
  setStatus(label);
  renderControls();
  try {
    const done = await action();
    setStatus(done ?? 'Ready.');
  } catch (error) {
    console.error(error);
    setStatus(describeError(error), true);
  } finally {
    busy = false;
    await refreshList().catch((error: unknown) => setStatus(describeError(error), true));
    void storagePanel.refresh();
  }
}

function renderControls(): void {
  panel.render(entries, current?.name ?? null, busy);
  startButton.disabled = busy || vm !== null || current === null;
  stopButton.disabled = busy || vm === null;
  guestSelect.disabled = vm !== null;
  coldBoot.disabled = vm !== null;
  vmState.textContent = vm ? `running (${vm.guest})` : 'stopped';
  vmDisk.textContent = current ? `on disk “${current.name}”` : '(no disk in use)';
  basePanel.render();
  storagePanel.render();
  vmSaves.render();
}

async function refreshList(): Promise<void> {
  entries = await listDiskEntries();
  renderControls();
}

/** Stops the VM after the guest synced (or did not answer in time); resolves how the sync went, null without a VM. */
async function stopVm(): Promise<StopSync | null> {
  if (!vm) return null;
  const running = vm;
  const synced = await syncBeforeStop(running);
  vm = null;
  guestUi.stopped();
  serial.connect(null);
  await running.stop();
  serial.note('VM stopped');
  renderControls();
  await refreshAllocation();
  return synced;
}

async function closeCurrent(): Promise<void> {
  await stopVm();
  if (!current) return;
  const { disk } = current;
  current = null;
  await disk.close();
  renderControls();
}

async function useDisk(name: string, createSize?: number): Promise<string> {
  const previous = current?.name ?? null;
  await closeCurrent();
  if (previous !== null && previous !== name) {
    // The screen and console of another disk's guest would read as this disk's.
    clearScreen(screen);
    serial.clear();
  }
  const disk = await openNamedDisk(name, createSize);
  current = { name, disk };
  localStorage.setItem(DISK_KEY, name);
  const info = await disk.info();
  clusters.reset(info.virtualSize, info.clusterSize);
  await refreshAllocation();
  return `Disk ${name} (${formatBytes(disk.size)}) is in use.`;
}

async function createDisk(name: string, size: number): Promise<string> {
  if (entries.some((entry) => entry.name === name)) throw new Error(`a disk named ${name} exists already`);
  await useDisk(name, size);
  return `Created ${name} (${formatBytes(size)}).`;
}

async function resetDisk(name: string): Promise<string> {
  if (entries.find((entry) => entry.name === name)?.base) return baseActions.reset(name); // O(1): a new empty overlay
  const size = current?.name === name ? current.disk.size : entries.find((entry) => entry.name === name)?.size;
  if (!size) throw new Error(`the size of ${name} is unknown`);
  if (!(await confirmAction(resetRequest(await gatherFacts(name, { entries, current, vmRunning: vm !== null }))))) return `Nothing erased: ${name} is as it was.`;
  if (current?.name === name) await closeCurrent();
  await deleteNamedDisk(name);
  await useDisk(name, size);
  return `Reset ${name}: an empty disk of ${formatBytes(size)}.`;
}

async function removeDisk(name: string): Promise<string> {
  if (!(await confirmAction(deleteDiskRequest(await gatherFacts(name, { entries, current, vmRunning: vm !== null }))))) return `Nothing deleted: ${name} is kept.`;
  if (current?.name === name) {
    await closeCurrent();
    localStorage.removeItem(DISK_KEY);
    // Nothing of the deleted disk stays on screen.
    clearScreen(screen);
    serial.clear();
    clusters.clear();
    mapNote.textContent = '';
  }
  await deleteNamedDisk(name);
  return `Deleted ${name}.`;
}

async function exportDisk(name: string): Promise<string> {
  let exported: StandaloneExport;
  if (current?.name === name) {
    if (vm) await syncBeforeStop(vm); // what the guest holds goes into the file too
    if (vm) await vm.disk.settled();
    exported = await exportStandalone(current.disk);
  } else {
    const disk = await openNamedDisk(name);
    try {
      exported = await exportStandalone(disk);
    } finally {
      await disk.close();
    }
  }
  downloadFile(exported.file, `${name}.qed`);
  return `Exported ${name}.qed (${formatBytes(exported.file.size)}${exported.flattened ? ', flattened: base and snapshots merged in, it stands alone' : ''}).`;
}

/** Makes a new disk on base image `name` (named after it) and uses it. */
async function overlayOnBase(name: string): Promise<string> {
  const disk = await createDiskOnBase(name, entries.map((entry) => entry.name));
  await useDisk(disk);
  return `Created ${disk} on the base ${name}: its changes go to ${disk}, the base stays as it is.`;
}

/** Downloads disk `name` as a compressed qcow2 image, with the import bar showing progress. */
async function exportDiskAsQcow2(name: string): Promise<string> {
  const progress = (done: number, total: number): void => panel.setProgress({ done, total });
  try {
    if (current?.name === name) {
      if (vm) await syncBeforeStop(vm); // what the guest holds goes into the file too
      if (vm) await vm.disk.settled();
      return await downloadQcow2(name, current.disk, progress);
    }
    const disk = await openNamedDisk(name);
    try {
      return await downloadQcow2(name, disk, progress);
    } finally {
      await disk.close();
    }
  } finally {
    panel.setProgress(null);
  }
}

async function importDisk(name: string, file: File, asBase = false): Promise<string> {
  if (entries.some((entry) => entry.name === name)) throw new Error(`a disk named ${name} exists already`);
  panel.setProgress({ done: 0, total: file.size });
  try {
    await importNamedDisk(name, file, (progress) => panel.setProgress(progress), asBase);
  } finally {
    panel.setProgress(null);
  }
  if (asBase && (await listDiskEntries()).find((entry) => entry.name === name)?.format !== 'qed') return `Imported ${file.name} as the base image ${name}: make disks on it (“New disk on it”).`;
  await useDisk(name);
  return `Imported ${file.name} as ${name}.`;
}

async function refreshAllocation(): Promise<void> {
  if (!current) return;
  try {
    clusters.setExtents(await loadAllocation(current.disk));
    mapNote.textContent = `One cell = ${formatBytes(clusters.bytesPerCell)} of the disk. Allocation as of ${new Date().toLocaleTimeString()}.`;
  } catch (error) {
    mapNote.textContent = `Allocation unavailable: ${describeError(error)}`;
  }
}

async function startSelectedGuest(restoreSave?: string): Promise<string> {
  if (!current) throw new Error('choose or create a disk first');
  if (restoreSave !== undefined) guestSelect.value = 'linux';
  const guest = guestSelect.value === 'boot-sector' ? 'boot-sector' : 'linux';
  localStorage.setItem(GUEST_KEY, guest);
  serial.clear();
  serial.note(`VM starting: ${guest} on disk ${current.name}`);
  guestUi.beginStart(guest);
  const callbacks = {
    onSerialByte: (byte: number) => {
      serial.receive(byte);
      guestUi.serialByte(byte);
    },
    onAccess: (op: 'read' | 'write', start: number, length: number) => clusters.noteAccess(op, start, length),
    onDiskError: (failure: V86DiskFailure) => setStatus(`Disk ${failure.op} at ${failure.start} failed: ${describeError(failure.error)}`, true),
    onNote: (text: string) => serial.note(text),
  };
  vm = await startVm(guest, current.disk, screen, callbacks, { coldBoot: coldBoot.checked, ...(restoreSave === undefined ? {} : { restoreSave }) }).catch((error: unknown) => {
    guestUi.stopped();
    throw error;
  });
  const running = vm;
  serial.connect((text) => running.sendSerial(text));
  const how = { 'saved-state': 'started from the saved state', 'vm-save': `resumed VM save ${restoreSave ?? ''}`, cold: 'cold boot' }[running.startedFrom];
  return guestUi.started(running) ?? `VM running (${guest}, ${how}).`;
}

async function updateStats(): Promise<void> {
  if (current && !busy) {
    const info = await current.disk.info().catch(() => null);
    renderDiskStats(diskStats, info, vm ? vm.disk.stats() : null);
  } else if (!current) {
    renderDiskStats(diskStats, null, null);
  }
}

startButton.addEventListener('click', () => void exclusive('Starting the VM…', () => startSelectedGuest()));
stopButton.addEventListener('click', () => void exclusive('Stopping the VM: the guest writes what it holds…', async () => describeStop(await stopVm())));
byId('map-button', HTMLButtonElement).addEventListener('click', () => void refreshAllocation());
window.addEventListener('pagehide', () => void vm?.disk.flush().catch(() => undefined));
installUnloadGuard({ vm: () => vm, lastInputAt: () => serial.lastSentAt });

const savedGuest = localStorage.getItem(GUEST_KEY);
if (savedGuest === 'linux' || savedGuest === 'boot-sector') guestSelect.value = savedGuest satisfies GuestKind;
setInterval(() => void updateStats(), STATS_INTERVAL_MS);
void vmSaves.refresh().catch((error: unknown) => setStatus(describeError(error), true));
void exclusive('Loading the disk list…', async () => {
  entries = await listDiskEntries();
  const saved = localStorage.getItem(DISK_KEY);
  if (saved && entries.some((entry) => entry.name === saved)) return useDisk(saved);
  return entries.length === 0 ? 'Create a disk to start.' : 'Choose a disk.';
});
