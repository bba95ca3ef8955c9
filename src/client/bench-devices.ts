/**
 * Bench-only: opening the measurement baselines of the browser benchmark through the same page
 * API and worker as a disk (not exported from the main entry). See `BenchDevice`.
 */
import { QedArgumentError } from '../qed/errors.ts';
import { openDisk } from './disk-manager.ts';
import { validateDiskName } from './disk-name.ts';
import type { Disk } from './types.ts';
import type { BenchDevice } from './worker-api.ts';
import { callWorker } from './worker-connection.ts';
import { WorkerDisk } from './worker-disk.ts';

export type { BenchDevice } from './worker-api.ts';

/** Options of `openBenchDevice`. */
export interface BenchDeviceOptions {
  /** What serves the disk: `qed` (the product: `openDisk` with `create`), `raw` or `memory`. */
  device: BenchDevice;
  /** Virtual size in bytes. */
  size: number;
  /** Bytes per cluster of a QED device; default 64 KiB. */
  clusterSize?: number;
}

/**
 * Opens `device` as disk `name` (`qed`: opening or creating the OPFS disk as `openDisk` does;
 * `raw` and `memory`: a fresh baseline, gone when closed). Every request then takes the same
 * path (page, Comlink, worker) whatever the device.
 */
export async function openBenchDevice(name: string, options: BenchDeviceOptions): Promise<Disk> {
  validateDiskName(name);
  const { device, size, clusterSize } = options;
  const create = clusterSize === undefined ? { size } : { size, clusterSize };
  if (device === 'qed') return openDisk(name, { create });
  if (device !== 'raw' && device !== 'memory') throw new QedArgumentError(`device ${String(device)} must be qed, raw or memory`);
  return new WorkerDisk(await callWorker(name, (api) => api.open(name, { create, device })));
}
