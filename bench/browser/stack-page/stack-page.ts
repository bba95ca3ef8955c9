/**
 * The stack benchmark's page: makes qedisk use the benchmark's own disk worker (`stack-worker.ts`)
 * and opens each device with `openDisk` (`qed` and `comlink` as disks in OPFS, `raw` and `memory`
 * as that worker's devices), so every request takes the page API to the worker, and runs the
 * workloads the Node side (`stack-bench.ts`) asks for through `window.stackBench`.
 */
import * as Comlink from 'comlink';
import { clear, createStore } from 'idb-keyval';
import { configureDiskWorker, deleteDisk, openDisk } from '../../../src/index.ts';
import type { Disk } from '../../../src/index.ts';
import type { BenchDevice, Workload, WorkloadResult, WorkerMemoryFigures } from '../stack-protocol.ts';
import { comlinkPathDisk } from './comlink-path-disk.ts';
import type { ComlinkBlockPath } from './stack-worker.ts';
import { dedicatedWorkerBytes } from './worker-memory.ts';
import { countFillMismatches, fillDisk, patternBytes, runWorkload } from './workloads.ts';

const worker = new Worker(new URL('./stack-worker.ts', import.meta.url), { type: 'module', name: 'qedisk-disk-worker' });
configureDiskWorker(worker);
const channel = new MessageChannel();
worker.postMessage({ stackBenchControl: channel.port2 }, [channel.port2]);
/** Block requests by plain Comlink calls (the `comlink` device). */
const comlinkPath = Comlink.wrap<ComlinkBlockPath>(channel.port1);

/** Opens (creates) disk `name` of `size` bytes served by `device`. */
async function openDevice(name: string, device: BenchDevice, size: number): Promise<Disk> {
  if (device === 'raw' || device === 'memory') return openDisk(name, { create: { size }, device });
  const disk = await openDisk(name, { create: { size } });
  return device === 'comlink' ? comlinkPathDisk(disk, comlinkPath) : disk;
}

const KIB = 1024;
/** Guest bytes one L2 table maps with the default geometry (64 KiB clusters, 4-cluster tables). */
const L2_SPAN_BYTES = ((4 * 64 * KIB) / 8) * 64 * KIB;

/** Open disks by name, with the device serving each. */
const disks = new Map<string, { disk: Disk; device: BenchDevice }>();

function kept(name: string): Disk {
  const entry = disks.get(name);
  if (!entry) throw new Error(`no disk "${name}" is open in this page`);
  return entry.disk;
}

/** Empties OPFS and the disk catalogue. */
async function resetStorage(): Promise<void> {
  const root = await navigator.storage.getDirectory();
  const names: string[] = [];
  for await (const [name] of root.entries()) names.push(name);
  for (const name of names) await root.removeEntry(name, { recursive: true });
  await clear(createStore('qedisk', 'disks'));
}

/** Options of the worker memory measurement. */
interface MemoryOptions {
  /** Virtual size of the sparse disk in bytes. */
  virtualSize: number;
  /** Regions of equal size with one 64 KiB write each (one L2 table each when a region is a table's span). */
  regions: number;
  /** 4 KiB random reads over the whole range. */
  reads: number;
  /** Reads outstanding at a time. */
  inFlight: number;
}

/** Writes into every region of a new sparse disk, reopens it (timed), reads at random all over it and measures the worker. */
async function workerMemory(options: MemoryOptions): Promise<WorkerMemoryFigures> {
  const workerBytesIdle = await dedicatedWorkerBytes();
  const name = 'stack-sparse';
  const created = await openDisk(name, { create: { size: options.virtualSize } });
  const region = Math.floor(options.virtualSize / options.regions / (64 * KIB)) * 64 * KIB;
  const tables = new Set<number>();
  for (let i = 0; i < options.regions; i++) {
    const offset = i * region + ((i * 7919) % (region / (64 * KIB))) * 64 * KIB;
    tables.add(Math.floor(offset / L2_SPAN_BYTES));
    await created.write(offset, patternBytes(64 * KIB, i));
  }
  await created.close();
  const openStart = performance.now();
  const disk = await openDisk(name);
  const openMs = performance.now() - openStart;
  try {
    const reads = await runWorkload(disk, { kind: 'random-read', blockSize: 4 * KIB, count: options.reads, inFlight: options.inFlight, seed: 99 });
    const info = await disk.info();
    const workerBytesAfterReads = await dedicatedWorkerBytes();
    return {
      virtualSize: disk.size,
      l2Tables: tables.size,
      physicalSize: info.physicalSize,
      openMs,
      randomReads: reads.ops,
      readsPerSecond: reads.ops / reads.seconds,
      l2CacheBytes: info.io.l2Cache.bytes,
      workerBytesIdle,
      workerBytesAfterReads,
    };
  } finally {
    await disk.close();
    await deleteDisk(name);
  }
}

const stackBench = {
  /** True when the page is cross-origin isolated (worker memory can be measured). */
  isolated: crossOriginIsolated,
  resetStorage,
  /** Opens (creates) disk `name` of `size` bytes served by `device`. */
  async open(name: string, device: BenchDevice, size: number): Promise<void> {
    disks.set(name, { disk: await openDevice(name, device, size), device });
  },
  /** Fills disk `name` with data and flushes. */
  fill(name: string): Promise<void> {
    return fillDisk(kept(name));
  },
  /** Reads `count` random blocks of filled disk `name` at once; resolves with how many came back wrong. */
  verify(name: string, count: number): Promise<number> {
    return countFillMismatches(kept(name), count);
  },
  /** Runs `workload` on disk `name`. */
  run(name: string, workload: Workload): Promise<WorkloadResult> {
    return runWorkload(kept(name), workload);
  },
  /** Flushes disk `name`. */
  flush(name: string): Promise<void> {
    return kept(name).flush();
  },
  /** Closes disk `name` and deletes what it left in OPFS. */
  async close(name: string): Promise<void> {
    const entry = disks.get(name);
    if (!entry) return;
    disks.delete(name);
    await entry.disk.close();
    if (entry.device === 'qed' || entry.device === 'comlink') await deleteDisk(name);
  },
  workerMemory,
};

/** The type of `window.stackBench`. */
export type StackBenchPage = typeof stackBench;

declare global {
  interface Window {
    /** Set once the stack benchmark page has loaded. */
    stackBench: StackBenchPage;
  }
}

window.stackBench = stackBench;
document.getElementById('status')?.replaceChildren('ready');
