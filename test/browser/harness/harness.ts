/**
 * The browser test harness page's module: puts the library and small helpers on
 * `window.harness` for Playwright's `page.evaluate`. Loaded by `index.html` next to it.
 */
import * as Comlink from 'comlink';
import { clear, createStore } from 'idb-keyval';
import { setQuotaLimitForTesting } from './test-worker-control.ts';
import * as qedisk from '../../../src/index.ts';
import { baseBytes } from './base-model.ts';
import type { contractWorkerApi } from './contract-worker.ts';
import type { ModelDiskSpec } from './model-disk.ts';
import * as model from './model-ops.ts';

/** What a failed call looked like on the page. */
export interface ErrorSummary {
  /** `error.name`. */
  name: string;
  /** `error.message`. */
  message: string;
  /** True when the page got an instance of the typed class (`QedError` family). */
  isQedError: boolean;
  /** `diskName` of `Disk*Error`s, else null. */
  diskName: string | null;
}

/** Empties OPFS and the disk catalogue (call before opening any disk). */
async function resetStorage(): Promise<void> {
  const root = await navigator.storage.getDirectory();
  const names: string[] = [];
  for await (const [name] of root.entries()) names.push(name);
  for (const name of names) await root.removeEntry(name, { recursive: true });
  await clear(createStore('qedisk', 'disks'));
}

/** Runs `action`; resolves with a summary of its error, or null when it succeeded. */
async function errorOf(action: () => Promise<unknown>): Promise<ErrorSummary | null> {
  try {
    await action();
    return null;
  } catch (error) {
    if (!(error instanceof Error)) return { name: typeof error, message: String(error), isQedError: false, diskName: null };
    const diskName: unknown = Reflect.get(error, 'diskName');
    return { name: error.name, message: error.message, isQedError: error instanceof qedisk.QedError, diskName: typeof diskName === 'string' ? diskName : null };
  }
}

/** Runs the `SyncFile` contract against `OpfsFile` in a fresh worker. */
async function runContract(): Promise<Awaited<ReturnType<typeof contractWorkerApi.runContract>>> {
  const worker = new Worker(new URL('./contract-worker.ts', import.meta.url), { type: 'module' });
  try {
    return await Comlink.wrap<typeof contractWorkerApi>(worker).runContract();
  } finally {
    worker.terminate();
  }
}

/**
 * Runs `ops` against `disk` and `expected` (the model, updated in place), sending each batch of
 * `batchSize` requests without waiting in between, so order across the worker boundary is
 * tested too. Resolves with the reads that did not match the model.
 */
async function runOps(disk: qedisk.Disk, expected: Uint8Array, ops: readonly model.ModelOp[], batchSize = 32): Promise<string[]> {
  const mismatches: string[] = [];
  for (let start = 0; start < ops.length; start += batchSize) {
    const pending: Promise<void>[] = [];
    for (const op of ops.slice(start, start + batchSize)) {
      if (op.kind === 'read') {
        const want = expected.slice(op.offset, op.offset + op.length);
        pending.push(
          disk.read(op.offset, op.length).then((got) => {
            const at = model.firstDifference(got, want);
            if (at >= 0) mismatches.push(`read ${op.length} at ${op.offset}: byte ${at} differs`);
          }),
        );
      } else {
        model.applyToModel(expected, op);
        pending.push(op.kind === 'write' ? disk.write(op.offset, model.patternBytes(op.length, op.seed)) : disk.writeZeroes(op.offset, op.length));
      }
    }
    await Promise.all(pending);
  }
  return mismatches;
}

/**
 * Empties OPFS, creates disk `spec` and runs the seeded workload of `count` requests on it
 * against the model; resolves with the reads that did not match. The disk stays open.
 */
async function runModelOnNewDisk(spec: ModelDiskSpec, seed: number, count: number): Promise<string[]> {
  await resetStorage();
  const disk = await qedisk.openDisk(spec.name, { create: { size: spec.size, clusterSize: spec.clusterSize, tableSize: spec.tableSize } });
  return runOps(disk, new Uint8Array(spec.size), model.generateOps(seed, spec.size, count));
}

/** Reads the whole disk in 1 MiB steps; resolves with the first offset that differs from `expected`, or -1. */
async function compareWholeDisk(disk: qedisk.Disk, expected: Uint8Array): Promise<number> {
  const step = 1024 * 1024;
  for (let offset = 0; offset < disk.size; offset += step) {
    const got = await disk.read(offset, Math.min(step, disk.size - offset));
    const at = model.firstDifference(got, expected.subarray(offset, offset + got.byteLength));
    if (at >= 0) return offset + at;
  }
  return disk.size === expected.byteLength ? -1 : Math.min(disk.size, expected.byteLength);
}

/** Offers `file` as a download (Playwright saves it). */
function download(file: File): void {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(file);
  link.download = file.name;
  document.body.append(link);
  link.click();
  link.remove();
}

/** Decodes base64 into bytes. */
function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Disks kept open between `page.evaluate` calls, by name. */
const disks = new Map<string, qedisk.Disk>();

/** The disk kept under `name`; throws when there is none. */
function kept(name: string): qedisk.Disk {
  const disk = disks.get(name);
  if (!disk) throw new Error(`no disk "${name}" is kept open in this page`);
  return disk;
}

/** Everything the specs reach through `window.harness`. */
const harness = { qedisk, model, baseBytes, setQuotaLimitForTesting, resetStorage, errorOf, runContract, runOps, runModelOnNewDisk, compareWholeDisk, download, fromBase64, disks, kept };

/** The type of `window.harness`. */
export type Harness = typeof harness;

declare global {
  interface Window {
    /** Set by the harness page once loaded. */
    harness: Harness;
  }
}

window.harness = harness;
document.getElementById('status')?.replaceChildren('ready');
