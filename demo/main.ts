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
import { type DiskListEntry, askPersistence, deleteNamedDisk, importNamedDisk, listDiskEntries, openNamedDisk, storageStatus } from './disk-api.ts';
import { DisksPanel } from './disks-panel.ts';
import { byId, describeError } from './dom.ts';
import { formatBytes } from './format.ts';
import { SerialConsole } from './serial-console.ts';
import { renderDiskStats, renderStorage } from './stats-panel.ts';
import { type GuestKind, type RunningVm, startVm } from './vm-runner.ts';

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
const storageList = byId('storage', HTMLDListElement);
const mapNote = byId('map-note', HTMLParagraphElement);
const serial = new SerialConsole(byId('serial-output', HTMLPreElement), byId('serial-form', HTMLFormElement), byId('serial-input', HTMLInputElement));
const clusters = new ClusterMap(byId('cluster-map', HTMLCanvasElement));

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
  importFile: (name, file) => void exclusive(`Importing ${file.name} as ${name}…`, () => importDisk(name, file)),
});
const baseActions = createBaseActions({
  current: () => current,
  diskNames: () => entries.map((entry) => entry.name),
  stopVm,
  settleVm: async () => {
    if (vm) await vm.disk.settled();
  },
  useDisk: (name) => useDisk(name),
});
const basePanel = new BasePanel(baseActions, { run: (label, action) => void exclusive(label, action), current: () => current, busy: () => busy });

/** Shows a message in the status line. */
function setStatus(message: string, isError = false): void {
  statusLine.textContent = message;
  statusLine.classList.toggle('error', isError);
}

/** Runs one page operation at a time, with the buttons disabled and errors shown. */
async function exclusive(label: string, action: () => Promise<string | void>): Promise<void> {
  if (busy) return;
  busy = true;
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
}

async function refreshList(): Promise<void> {
  entries = await listDiskEntries();
  renderControls();
}

async function stopVm(): Promise<void> {
  if (!vm) return;
  const running = vm;
  vm = null;
  serial.connect(null);
  await running.stop();
  serial.note('VM stopped');
  renderControls();
  await refreshAllocation();
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
  await closeCurrent();
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
  if (current?.name === name) await closeCurrent();
  await deleteNamedDisk(name);
  await useDisk(name, size);
  return `Reset ${name}: an empty disk of ${formatBytes(size)}.`;
}

async function removeDisk(name: string): Promise<string> {
  if (!window.confirm(`Delete disk ${name}? Its data is lost.`)) return 'Nothing deleted.';
  if (current?.name === name) {
    await closeCurrent();
    localStorage.removeItem(DISK_KEY);
  }
  await deleteNamedDisk(name);
  return `Deleted ${name}.`;
}

async function exportDisk(name: string): Promise<string> {
  let file: File;
  if (current?.name === name) {
    if (vm) await vm.disk.settled();
    file = await current.disk.exportFile();
  } else {
    const disk = await openNamedDisk(name);
    try {
      file = await disk.exportFile();
    } finally {
      await disk.close();
    }
  }
  downloadFile(file, `${name}.qed`);
  return `Exported ${name}.qed (${formatBytes(file.size)}).`;
}

async function importDisk(name: string, file: File): Promise<string> {
  if (entries.some((entry) => entry.name === name)) throw new Error(`a disk named ${name} exists already`);
  panel.setProgress({ done: 0, total: file.size });
  try {
    await importNamedDisk(name, file, (progress) => panel.setProgress(progress));
  } finally {
    panel.setProgress(null);
  }
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

async function startSelectedGuest(): Promise<string> {
  if (!current) throw new Error('choose or create a disk first');
  const guest = guestSelect.value === 'boot-sector' ? 'boot-sector' : 'linux';
  localStorage.setItem(GUEST_KEY, guest);
  serial.clear();
  serial.note(`VM starting: ${guest} on disk ${current.name}`);
  const callbacks = {
    onSerialByte: (byte: number) => serial.receive(byte),
    onAccess: (op: 'read' | 'write', start: number, length: number) => clusters.noteAccess(op, start, length),
    onDiskError: (failure: V86DiskFailure) => setStatus(`Disk ${failure.op} at ${failure.start} failed: ${describeError(failure.error)}`, true),
    onNote: (text: string) => serial.note(text),
  };
  vm = await startVm(guest, current.disk, screen, callbacks, { coldBoot: coldBoot.checked });
  const running = vm;
  serial.connect((text) => running.sendSerial(text));
  return `VM running (${guest}, ${running.startedFrom === 'saved-state' ? 'started from the saved state' : 'cold boot'}).`;
}

async function updateStats(): Promise<void> {
  if (current && !busy) {
    const info = await current.disk.info().catch(() => null);
    renderDiskStats(diskStats, info, vm ? vm.disk.stats() : null);
  } else if (!current) {
    renderDiskStats(diskStats, null, null);
  }
}

async function updateStorage(): Promise<void> {
  renderStorage(storageList, await storageStatus().catch(() => null));
}

startButton.addEventListener('click', () => void exclusive('Starting the VM…', startSelectedGuest));
stopButton.addEventListener('click', () => void exclusive('Stopping the VM…', async () => (await stopVm(), 'VM stopped; the disk is flushed.')));
byId('map-button', HTMLButtonElement).addEventListener('click', () => void refreshAllocation());
byId('persist-button', HTMLButtonElement).addEventListener('click', () =>
  void askPersistence().then((kept) => setStatus(kept ? 'The browser will keep this storage.' : 'The browser did not grant persistent storage.')).then(updateStorage),
);
window.addEventListener('pagehide', () => void vm?.disk.flush().catch(() => undefined));

const savedGuest = localStorage.getItem(GUEST_KEY);
if (savedGuest === 'linux' || savedGuest === 'boot-sector') guestSelect.value = savedGuest satisfies GuestKind;
setInterval(() => void updateStats(), STATS_INTERVAL_MS);
setInterval(() => void updateStorage(), 5 * STATS_INTERVAL_MS);
void updateStorage();
void exclusive('Loading the disk list…', async () => {
  entries = await listDiskEntries();
  const saved = localStorage.getItem(DISK_KEY);
  if (saved && entries.some((entry) => entry.name === saved)) return useDisk(saved);
  return entries.length === 0 ? 'Create a disk to start.' : 'Choose a disk.';
});
