/**
 * What a custom worker entry can plug into the disk worker (`startDiskWorker`): a wrapper around
 * each disk's OPFS file, and extra devices that `openDisk(name, { device })` selects. The product's
 * worker (`disk-worker.ts`) uses none; tests and benchmarks bring their own entries.
 */
import type { SyncFile } from '../src/engine/sync-file.ts';
import type { WorkerOpenOptions } from '../src/protocol/worker-api.ts';
import type { DiskLock } from './disk-lock.ts';
import type { OpenDevice } from './open-device.ts';

/**
 * Opens a custom device named `name` under `lock` (which the device then owns and releases when
 * closed; on failure the caller keeps it).
 */
export type DeviceFactory = (name: string, options: WorkerOpenOptions, lock: DiskLock) => Promise<OpenDevice>;

/** Options of `startDiskWorker`. */
export interface DiskWorkerHooks {
  /** Wraps the OPFS file of disk `diskName` each time it is opened; the engine sees what this returns. */
  wrapFile?: (file: SyncFile, diskName: string) => SyncFile;
  /** Devices by the name `OpenDiskOptions.device` gives, served beside the QED disks. */
  devices?: Readonly<Record<string, DeviceFactory>>;
}
