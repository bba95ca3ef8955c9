/**
 * The page of the base fetch benchmark (`base-fetch-page.html`): a new overlay disk on the HTTP
 * base `?base=PATH` declared `?format=raw|qcow2`, the demo's Linux guest booted cold on it (as
 * the demo boots a shared-base disk), and the milestones in milliseconds since navigation
 * started. The Node side reads `window.baseFetchBench`, and the base's status (bytes fetched,
 * requests) once the shell is up.
 */
import { deleteDisk, openDisk } from '../../src/index.ts';
import type { OpfsDisk, RemoteBaseStatus } from '../../src/protocol/types.ts';
import { type GuestFile, guestFile } from '../../demo/guest-assets.ts';
import { SerialLines } from '../../demo/serial-lines.ts';
import { type RunningVm, startVm } from '../../demo/vm-runner.ts';

/** What the page exposes to the benchmark. */
export interface BaseFetchBenchState {
  /** Milestones: `warm`, `disk-open`, `vm-running`, `ready`, `shell`, in ms since navigation. */
  marks: Record<string, number>;
  /** The guest's serial output so far. */
  serial: string;
  /** Set when something failed. */
  error: string | null;
  /** The base's fetch figures now, or null before the disk is open. */
  baseStatus(): Promise<RemoteBaseStatus | null>;
  /** Stops the VM and closes the disk. */
  stop(): Promise<void>;
}

declare global {
  interface Window {
    baseFetchBench: BaseFetchBenchState;
  }
}

const GUEST_FILES: GuestFile[] = ['seabios.bin', 'vgabios.bin', 'vmlinuz-686.bin', 'initramfs.cpio.gz', 'sha256sums.txt'];
const params = new URLSearchParams(location.search);
const lines = new SerialLines();
const decoder = new TextDecoder();
let vm: RunningVm | null = null;
let disk: OpfsDisk | null = null;

const state: BaseFetchBenchState = {
  marks: {},
  serial: '',
  error: null,
  baseStatus: async () => (disk ? disk.baseStatus() : null),
  stop: async () => {
    await vm?.stop();
    await disk?.close();
    vm = null;
    disk = null;
  },
};
window.baseFetchBench = state;

function mark(name: string): void {
  state.marks[name] ??= performance.now();
}

lines.onLine((line) => {
  if (line === 'QEDISK-READY') mark('ready');
});

function receive(byte: number): void {
  lines.receive(byte);
  state.serial += decoder.decode(new Uint8Array([byte]), { stream: true });
  if (state.marks['ready'] !== undefined && state.serial.endsWith('qedisk# ')) mark('shell');
}

/** `?warmup`: loads the page's code, the guest files and the disk worker once (Vite transforms modules on first request). */
async function warmUp(): Promise<void> {
  await Promise.all(GUEST_FILES.map((name) => guestFile(name)));
  const scratch = await openDisk('base-fetch-warmup', { create: { size: 1024 * 1024 } });
  await scratch.close();
  await deleteDisk('base-fetch-warmup');
  mark('warm');
}

async function main(): Promise<void> {
  if (params.has('warmup')) return warmUp();
  const url = params.get('base');
  const format = params.get('format');
  if (url === null || (format !== 'raw' && format !== 'qcow2')) throw new Error('need ?base=PATH&format=raw|qcow2');
  disk = await openDisk(params.get('name') ?? 'base-fetch', { create: { base: { kind: 'url', url, format } } });
  mark('disk-open');
  const screen = document.querySelector<HTMLElement>('#screen');
  if (!screen) throw new Error('the page has no #screen');
  vm = await startVm('linux', disk, screen, {
    onSerialByte: receive,
    onAccess: () => undefined,
    onDiskError: (failure) => (state.error = `disk ${failure.op} at ${failure.start} failed: ${String(failure.error)}`),
    onNote: () => undefined,
  }, { coldBoot: true });
  mark('vm-running');
}

main().catch((error: unknown) => {
  state.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
});
