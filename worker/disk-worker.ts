/**
 * The disk worker's entry point: a dedicated module worker that owns the OPFS sync access
 * handles of the page's open disks and exposes a `DiskService` (the `DiskWorkerApi`) with
 * Comlink, and its block requests on the block lane beside it. Started lazily by
 * `src/client/worker-connection.ts`.
 */
import * as Comlink from 'comlink';
import { serveBlockLane } from './block-lane.ts';
import { DiskService } from './disk-service.ts';

const service = new DiskService();
Comlink.expose(service);
serveBlockLane(service, self);
