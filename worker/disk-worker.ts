/**
 * The disk worker's entry point: a dedicated module worker that owns the OPFS sync access
 * handles of the page's open disks and serves the `DiskWorkerApi` with Comlink and the block
 * lane beside it. Started by the page (`src/client/worker-connection.ts`) on first use.
 */
import { startDiskWorker } from './start-disk-worker.ts';

startDiskWorker();
