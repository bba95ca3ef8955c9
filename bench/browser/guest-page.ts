/**
 * The page of the guest benchmark (`guest-page.html`): boots the demo's Linux guest, the same way
 * the demo does (`demo/vm-runner.ts`, screen drawn), on a qedisk OPFS disk (`?disk=opfs`, through
 * the worker) or on a QED image in memory in the page (`?disk=memory`, `localDisk`), and records
 * when each milestone happened, in milliseconds since navigation started. The Node side reads
 * `window.guestBench`.
 */
import { deleteDisk, listDisks, openDisk } from '../../src/index.ts';
import type { Disk, OpfsDisk, RemoteBaseStatus } from '../../src/protocol/types.ts';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { QedImage } from '../../src/engine/index.ts';
import { localDisk } from '../../src/client/local-disk.ts';
import { type GuestFile, guestFile } from '../../demo/guest-assets.ts';
import { SerialLines } from '../../demo/serial-lines.ts';
import { type RunningVm, startVm } from '../../demo/vm-runner.ts';
import { type DiskTimes, emptyDiskTimes, timedDisk } from './guest-timed-disk.ts';

/** What the page exposes to the benchmark. */
export interface GuestBenchState {
  /** Milestones: `warm` (warm-up only), `disk-open`, `vm-running`, `snapshot-point`, `start-line`, `ready`, `shell`, in ms since navigation. */
  marks: Record<string, number>;
  /** The guest's serial output so far. */
  serial: string;
  /** `cold` or `saved-state` once the VM runs. */
  startedFrom: string | null;
  /** The runner's notes (state saved, restored). */
  notes: string[];
  /** How long the disk took for the guest's requests (swap in a new record to start a phase). */
  diskTimes: DiskTimes;
  /** Set when the start failed. */
  error: string | null;
  /** Sends text to the guest's COM1. */
  send(text: string): void;
  /** Stops the VM and closes the disk. */
  stop(): Promise<void>;
  /** Marks `name` when a line of the guest's console first matches `pattern` (a RegExp source). */
  watch(name: string, pattern: string): void;
  /** The disk's HTTP base status (`?base=`), or null. */
  baseStatus(): Promise<RemoteBaseStatus | null>;
  /** The wasm modules compiled so far (v86 and its JIT's modules): count, bytes, summed call-to-ready latency in ms. */
  wasmCompiles: { modules: number; bytes: number; latencyMs: number };
}

declare global {
  interface Window {
    guestBench: GuestBenchState;
  }
}

const MIB = 1024 * 1024;
const GUEST_FILES: GuestFile[] = ['seabios.bin', 'vgabios.bin', 'vmlinuz-686.bin', 'initramfs.cpio.gz', 'sha256sums.txt'];
const params = new URLSearchParams(location.search);
const lines = new SerialLines();
const decoder = new TextDecoder();
let vm: RunningVm | null = null;
let disk: Disk | null = null;
let opfsDisk: OpfsDisk | null = null;
const watches: Array<{ name: string; pattern: RegExp }> = [];

const state: GuestBenchState = {
  marks: {},
  serial: '',
  startedFrom: null,
  notes: [],
  diskTimes: emptyDiskTimes(),
  error: null,
  send: (text) => vm?.sendSerial(text),
  stop: async () => {
    await vm?.stop();
    await disk?.close();
    vm = null;
    disk = null;
  },
  watch: (name, pattern) => void watches.push({ name, pattern: new RegExp(pattern) }),
  baseStatus: async () => (opfsDisk ? opfsDisk.baseStatus() : null),
  wasmCompiles: { modules: 0, bytes: 0, latencyMs: 0 },
};
window.guestBench = state;

/**
 * Times every `WebAssembly.instantiate` from the call to the ready instance: v86 compiles each
 * block of hot guest code it translates into a module of its own this way, and runs the guest in
 * its interpreter until that module is ready, so this latency is part of the boot's time.
 */
function timeWasmCompiles(): void {
  const instantiate = WebAssembly.instantiate.bind(WebAssembly) as (source: BufferSource, imports?: WebAssembly.Imports) => Promise<WebAssembly.WebAssemblyInstantiatedSource>;
  const timed = (source: BufferSource, imports?: WebAssembly.Imports): Promise<WebAssembly.WebAssemblyInstantiatedSource> => {
    const started = performance.now();
    const record = state.wasmCompiles;
    record.modules++;
    record.bytes += source.byteLength;
    return instantiate(source, imports).finally(() => {
      record.latencyMs += performance.now() - started;
    });
  };
  (WebAssembly as { instantiate: unknown }).instantiate = timed;
}
timeWasmCompiles();

function mark(name: string): void {
  state.marks[name] ??= performance.now();
}

lines.onLine((line) => {
  if (line === 'QEDISK-SNAPSHOT-POINT') mark('snapshot-point');
  if (line.startsWith('QEDISK-START:')) mark('start-line');
  if (line === 'QEDISK-READY') mark('ready');
  for (const { name, pattern } of watches) if (pattern.test(line)) mark(name);
});

function receive(byte: number): void {
  lines.receive(byte);
  state.serial += decoder.decode(new Uint8Array([byte]), { stream: true });
  if (state.marks['ready'] !== undefined && state.serial.endsWith('qedisk# ')) mark('shell');
}

/** `?base=PATH`: the disk is an overlay of the HTTP base at PATH, as the demo's shared-base disks are. */
const basePath = params.get('base');
/** `?base-format=qcow2`: that base (and the one `?cache-base` caches) is a qcow2 image; raw otherwise. */
const baseFormat = params.get('base-format') === 'qcow2' ? 'qcow2' : 'raw';

async function openBenchDisk(): Promise<Disk> {
  const size = Number(params.get('size') ?? '64') * MIB;
  const name = params.get('name') ?? 'guest-bench';
  if (basePath !== null) {
    opfsDisk = await openDisk(name, { create: { base: { kind: 'url', url: basePath, format: baseFormat } } });
    return timedDisk(opfsDisk, () => state.diskTimes);
  }
  const opened = params.get('disk') === 'memory' ? localDisk(QedImage.create(new MemoryFile(), { size }), { name }) : await openDisk(name, { create: { size } });
  return timedDisk(opened, () => state.diskTimes);
}

/** `?delete=A,B`: deletes those disks where they exist (an HTTP base's cache goes with its last disk). */
async function deleteDisks(names: readonly string[]): Promise<void> {
  const existing = new Set((await listDisks()).map((disk) => disk.name));
  for (const name of names) if (existing.has(name)) await deleteDisk(name);
  mark('deleted');
}

/** `?cache-base=PATH`: makes a disk on the base at PATH and its whole base available offline (kept: the cache stays while a disk uses it). */
async function cacheBase(path: string): Promise<void> {
  const prepared = await openDisk(params.get('name') ?? 'guest-bench-cache', { create: { base: { kind: 'url', url: path, format: baseFormat } } });
  await prepared.makeAvailableOffline();
  await prepared.close();
  mark('cached');
}

/**
 * `?warmup`: loads the page's code and the guest files, and creates, closes and deletes a small
 * OPFS disk so the disk worker's code has been loaded once too (Vite transforms each module on
 * its first request; the first measured run should not pay for that).
 */
async function warmUp(): Promise<void> {
  await Promise.all(GUEST_FILES.map((name) => guestFile(name)));
  const scratch = await openDisk('guest-bench-warmup', { create: { size: MIB } });
  await scratch.close();
  await deleteDisk('guest-bench-warmup');
  mark('warm');
}

async function main(): Promise<void> {
  if (params.has('warmup')) return warmUp();
  const toCache = params.get('cache-base');
  if (toCache !== null) return cacheBase(toCache);
  const toDelete = params.get('delete');
  if (toDelete !== null) return deleteDisks(toDelete.split(','));
  disk = await openBenchDisk();
  mark('disk-open');
  const screen = document.querySelector<HTMLElement>('#screen');
  if (!screen) throw new Error('the page has no #screen');
  vm = await startVm('linux', disk, screen, {
    onSerialByte: receive,
    onAccess: () => undefined,
    onDiskError: (failure) => state.notes.push(`disk ${failure.op} at ${failure.start} failed: ${String(failure.error)}`),
    onNote: (text) => state.notes.push(text),
  }, { coldBoot: params.get('start') === 'cold' });
  state.startedFrom = vm.startedFrom;
  mark('vm-running');
}

main().catch((error: unknown) => {
  state.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
});
