/**
 * The disk worker's entry point: a dedicated module worker that owns the OPFS sync access
 * handles of the page's open disks and exposes a `DiskService` (the `DiskWorkerApi`) with
 * Comlink. Started lazily by `src/client/worker-connection.ts`.
 */
import * as Comlink from 'comlink';
import { DiskService } from './disk-service.ts';

Comlink.expose(new DiskService());
