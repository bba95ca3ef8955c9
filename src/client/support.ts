/**
 * Feature detection: what qedisk needs of the browser for disks in OPFS, found out before anything
 * is stored. `getSupport()` reports it (the worker tries OPFS and sync access handles itself);
 * every page API call that needs the disk worker fails at once with `StorageUnsupportedError` when
 * the page already knows something is missing, instead of hanging.
 */
import { StorageUnsupportedError } from '../qed/errors.ts';
import type { WorkerSupport } from '../protocol/support.ts';

/** What `getSupport` reports. */
export interface StorageSupport {
  /** True when disks in OPFS work here (`openDisk` and the rest of the page API). */
  disks: boolean;
  /** What is missing, in words (empty when `disks` is true). */
  missing: string[];
  /** The page is a secure context (HTTPS or localhost): OPFS needs one. */
  secureContext: boolean;
  /** Dedicated workers of type `module` can be started. */
  moduleWorkers: boolean;
  /** `navigator.locks` (one tab at a time per disk). */
  webLocks: boolean;
  /** `BroadcastChannel` (telling a live holder of a disk from a closing one). */
  broadcastChannel: boolean;
  /** The origin-private file system answered in the disk worker. */
  opfs: boolean;
  /** A sync access handle opened in the disk worker, with synchronous methods. */
  syncAccessHandles: boolean;
  /** `persistent` when storage is exempt from eviction, `best-effort` when it may be evicted, `unavailable` without the Storage API. */
  persistence: 'persistent' | 'best-effort' | 'unavailable';
  /** What failed in the worker's own test, or null. */
  problem: string | null;
}

/** How long the worker's own test may take before it counts as failed, in milliseconds. */
const WORKER_PROBE_TIMEOUT_MS = 10_000;

let moduleWorkersKnown: boolean | null = null;

/** True when `new Worker(url, { type: 'module' })` is understood (the browser reads `type`). */
function moduleWorkersSupported(): boolean {
  if (moduleWorkersKnown !== null) return moduleWorkersKnown;
  if (typeof Worker === 'undefined' || typeof Blob === 'undefined' || typeof URL.createObjectURL !== 'function') return (moduleWorkersKnown = false);
  let asked = false;
  const url = URL.createObjectURL(new Blob([''], { type: 'text/javascript' }));
  try {
    const options = {
      get type(): WorkerType {
        asked = true;
        return 'module';
      },
    };
    new Worker(url, options).terminate();
  } catch {
    // A browser that cannot start the worker at all counts as unsupported below.
  } finally {
    URL.revokeObjectURL(url);
  }
  return (moduleWorkersKnown = asked);
}

/** What the page itself can tell is missing, in words (nothing is started except a test worker). */
export function missingPageCapabilities(): string[] {
  const missing: string[] = [];
  if (typeof isSecureContext !== 'undefined' && !isSecureContext) missing.push('a secure context (HTTPS or localhost)');
  if (typeof navigator === 'undefined' || typeof navigator.storage?.getDirectory !== 'function') missing.push('the origin-private file system (navigator.storage.getDirectory)');
  if (!moduleWorkersSupported()) missing.push('module workers');
  if (typeof navigator === 'undefined' || typeof navigator.locks?.request !== 'function') missing.push('Web Locks (navigator.locks)');
  if (typeof BroadcastChannel === 'undefined') missing.push('BroadcastChannel');
  return missing;
}

/** Throws `StorageUnsupportedError` naming what is missing when the page already knows disks cannot work here. */
export function assertPageCapabilities(): void {
  const missing = missingPageCapabilities();
  if (missing.length > 0) throw new StorageUnsupportedError(`qedisk cannot keep disks in this browser or window: it lacks ${missing.join(', ')}. openMemoryDisk works without them.`, missing);
}

/**
 * What qedisk needs here, tried for real: page capabilities, then (when those are there) the
 * disk worker's own test of OPFS and sync access handles. Never rejects and never hangs: a worker
 * that does not answer within 10 s counts as a failure. `probeWorker` is how the page asks it.
 */
export async function detectSupport(probeWorker: () => Promise<WorkerSupport>): Promise<StorageSupport> {
  const missing = missingPageCapabilities();
  const persistence = await persistenceState();
  const base = {
    secureContext: typeof isSecureContext === 'undefined' || isSecureContext,
    moduleWorkers: moduleWorkersSupported(),
    webLocks: typeof navigator !== 'undefined' && typeof navigator.locks?.request === 'function',
    broadcastChannel: typeof BroadcastChannel !== 'undefined',
    persistence,
  };
  if (missing.length > 0) return { ...base, disks: false, missing, opfs: false, syncAccessHandles: false, problem: null };
  let worker: WorkerSupport;
  try {
    worker = await Promise.race([probeWorker(), timeout(WORKER_PROBE_TIMEOUT_MS)]);
  } catch (error) {
    const problem = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { ...base, disks: false, missing: ['a working disk worker'], opfs: false, syncAccessHandles: false, problem };
  }
  if (!worker.opfs) missing.push('the origin-private file system in workers');
  else if (!worker.syncAccessHandles) missing.push('OPFS sync access handles');
  else if (!worker.synchronousHandleMethods) missing.push('synchronous sync-access-handle methods (Chromium 108, Safari 16.4 or later)');
  if (!worker.webLocks) missing.push('Web Locks in workers');
  return { ...base, disks: missing.length === 0, missing, opfs: worker.opfs, syncAccessHandles: worker.syncAccessHandles && worker.synchronousHandleMethods, problem: worker.problem };
}

/** The Storage API's persistence state. */
async function persistenceState(): Promise<StorageSupport['persistence']> {
  if (typeof navigator === 'undefined' || typeof navigator.storage?.persisted !== 'function') return 'unavailable';
  try {
    return (await navigator.storage.persisted()) ? 'persistent' : 'best-effort';
  } catch {
    return 'unavailable';
  }
}

/** Rejects after `ms` milliseconds. */
function timeout(ms: number): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`the disk worker did not answer within ${ms / 1000} s`)), ms));
}
