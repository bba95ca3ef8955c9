/**
 * Starting the disk worker in a worker's global scope: the Comlink API (`DiskService`) and the
 * block lane beside it, on one shared table of open disks.
 */
import * as Comlink from 'comlink';
import { serveBlockLane } from './block-lane.ts';
import { DiskService } from './disk-service.ts';
import { OpenDisks } from './open-disks.ts';
import type { DiskWorkerHooks } from './worker-hooks.ts';

/** The part of a dedicated worker's scope the disk worker talks through. */
export type WorkerScope = Comlink.Endpoint & Parameters<typeof serveBlockLane>[1];

/**
 * Serves the disk worker on `scope` (the worker's global scope), with `hooks` plugged in. Returns
 * the table of open disks, for a custom entry that serves more than the standard API.
 */
export function startDiskWorker(hooks: DiskWorkerHooks = {}, scope: WorkerScope = self): OpenDisks {
  const disks = new OpenDisks();
  Comlink.expose(new DiskService(disks, hooks), scope);
  serveBlockLane(disks, scope);
  return disks;
}
