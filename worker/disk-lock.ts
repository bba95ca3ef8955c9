/**
 * One tab at a time per disk: the Web Lock `qedisk:NAME` is held for as long as the disk is open
 * (or being imported or deleted). A live holder makes `acquireDiskLock` fail fast with
 * `DiskBusyError`; a lock left by a page that is reloading is waited for, briefly.
 */
import { DiskBusyError } from '../src/client/errors.ts';
import { diskLockName, validateDiskName } from '../src/client/disk-name.ts';
import { type HolderQuery, announceHolding, askForHolder, stopHolding } from './presence.ts';
import { LIVE_HOLDER_WAIT_MS, RELEASE_WAIT_MS, RETRY_STEP_MS, sleep } from './timing.ts';

/** Disks this worker holds or is acquiring: a second claim fails at once. */
const claimed = new Set<string>();

/** A held disk lock. */
export interface DiskLock {
  /** The disk it is for. */
  readonly name: string;
  /** Releases the lock (idempotent). */
  release(): void;
}

/**
 * Takes disk `name`'s lock. Rejects with `DiskBusyError` when this worker already has the disk,
 * soon when a live tab holds it, and after `RELEASE_WAIT_MS` when an unanswering holder does not
 * let go.
 */
export async function acquireDiskLock(name: string): Promise<DiskLock> {
  validateDiskName(name);
  if (claimed.has(name)) throw new DiskBusyError(name, `disk "${name}" is already open in this page`);
  claimed.add(name);
  let query: HolderQuery | null = null;
  try {
    const start = Date.now();
    let answeredAt: number | null = null;
    for (;;) {
      const release = await tryLock(diskLockName(name));
      if (release) return heldLock(name, release);
      query ??= askForHolder(name);
      if (query.answered) answeredAt ??= Date.now();
      const now = Date.now();
      if (now - start >= RELEASE_WAIT_MS || (answeredAt !== null && now - answeredAt >= LIVE_HOLDER_WAIT_MS)) {
        throw new DiskBusyError(name);
      }
      await sleep(RETRY_STEP_MS);
    }
  } catch (error) {
    claimed.delete(name);
    throw error;
  } finally {
    query?.dispose();
  }
}

/** Wraps an acquired lock. */
function heldLock(name: string, release: () => void): DiskLock {
  announceHolding(name);
  let released = false;
  return {
    name,
    release() {
      if (released) return;
      released = true;
      stopHolding(name);
      claimed.delete(name);
      release();
    },
  };
}

/** Requests `lockName` if it is free; resolves with its release function, or null when taken. */
function tryLock(lockName: string): Promise<(() => void) | null> {
  return new Promise((resolve, reject) => {
    navigator.locks
      .request(lockName, { ifAvailable: true }, (lock) => {
        if (lock === null) {
          resolve(null);
          return undefined;
        }
        return new Promise<void>((release) => resolve(() => release()));
      })
      .catch(reject);
  });
}
