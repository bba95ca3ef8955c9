/**
 * Page side of the browser tests' disk worker (`test-disk-worker.ts`): starts it, makes qedisk
 * use it, and sets quota limits on its disks through the control port.
 */
import * as Comlink from 'comlink';
import { configureDiskWorker } from '../../../src/index.ts';
import type { Disk } from '../../../src/index.ts';
import type { TestWorkerControl } from './test-disk-worker.ts';

/** Starts the tests' disk worker and makes qedisk use it; call once, before any disk call. */
function startTestDiskWorker(): Comlink.Remote<TestWorkerControl> {
  const worker = new Worker(new URL('./test-disk-worker.ts', import.meta.url), { type: 'module', name: 'qedisk-disk-worker' });
  configureDiskWorker(worker);
  const channel = new MessageChannel();
  worker.postMessage({ qediskTestControl: channel.port2 }, [channel.port2]);
  return Comlink.wrap<TestWorkerControl>(channel.port1);
}

const control = startTestDiskWorker();

/**
 * Makes writes that would grow `disk`'s OPFS file past `bytes` fail with `QedQuotaError`, as a
 * full quota would; `null` lifts the limit. Applies after every request sent before it (it
 * waits for a flush of the disk first).
 */
export async function setQuotaLimitForTesting(disk: Disk, bytes: number | null): Promise<void> {
  await disk.flush();
  await control.setQuotaLimit(disk.name, bytes);
}
