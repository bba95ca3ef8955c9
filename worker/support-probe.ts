/**
 * What the disk worker can do here, found by trying it: the origin-private file system, a sync
 * access handle on a scratch file, and whether that handle's methods are synchronous.
 */
import type { WorkerSupport } from '../src/protocol/support.ts';
import { diskFolder, removeFile } from './opfs-folder.ts';

/** The scratch file of the probe (a name no disk can have: disk names never start with '.'). */
const PROBE_FILE = '.support-probe';

/** Tries what qedisk needs in this worker; never rejects (a failure is reported in `problem`). */
export async function probeWorkerSupport(): Promise<WorkerSupport> {
  const support: WorkerSupport = { opfs: false, syncAccessHandles: false, synchronousHandleMethods: false, webLocks: typeof navigator.locks?.request === 'function', problem: null };
  try {
    const folder = await diskFolder();
    support.opfs = true;
    const handle = await folder.getFileHandle(PROBE_FILE, { create: true });
    const create: unknown = Reflect.get(handle, 'createSyncAccessHandle');
    if (typeof create === 'function') {
      const access: unknown = await Promise.resolve(create.call(handle));
      support.syncAccessHandles = typeof access === 'object' && access !== null;
      const getSize: unknown = support.syncAccessHandles ? Reflect.get(access as object, 'getSize') : undefined;
      const size: unknown = typeof getSize === 'function' ? getSize.call(access) : undefined;
      support.synchronousHandleMethods = typeof size === 'number';
      await Promise.resolve(size).catch(() => undefined);
      const close: unknown = support.syncAccessHandles ? Reflect.get(access as object, 'close') : undefined;
      if (typeof close === 'function') await Promise.resolve(close.call(access));
    }
    await removeFile(folder, PROBE_FILE);
  } catch (error) {
    support.problem = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  return support;
}
