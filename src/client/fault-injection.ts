/** Test-only fault injection for disks opened with `openDisk` (not exported from the main entry). */
import { QedArgumentError } from '../qed/errors.ts';
import type { Disk } from './types.ts';
import { WorkerDisk } from './worker-disk.ts';

/**
 * Makes writes that would grow `disk`'s OPFS file past `bytes` fail with `QedQuotaError`, as a
 * full quota would; `null` lifts the limit. Applies after every request sent before it.
 */
export function setQuotaLimitForTesting(disk: Disk, bytes: number | null): Promise<void> {
  if (!(disk instanceof WorkerDisk)) return Promise.reject(new QedArgumentError('not a disk opened with openDisk'));
  return disk.setQuotaLimitForTesting(bytes);
}
