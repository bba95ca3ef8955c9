/**
 * One tab at a time per disk: the Web Lock `qedisk:NAME` is held for as long as the disk is open
 * (or being imported or deleted). A live holder makes `acquireDiskLock` fail fast with
 * `DiskBusyError`; a lock left by a page that is reloading is waited for, briefly. A disk that
 * serves as the base of open overlays is held in shared mode instead (`acquireSharedDiskLock`):
 * any number of readers, and nobody may open it for writing meanwhile.
 */
import { DiskBusyError } from '../src/protocol/errors.ts';
import { diskLockName, validateDiskName } from '../src/protocol/disk-name.ts';
import { type HolderQuery, announceHolding, askForHolder, stopHolding } from './presence.ts';
import { LIVE_HOLDER_WAIT_MS, RELEASE_WAIT_MS, RETRY_STEP_MS, sleep } from './timing.ts';

/** Disks this worker holds or is acquiring: a second claim fails at once. */
const claimed = new Set<string>();

/** A shared hold of this worker on a disk: one Web Lock, counted per user. */
interface SharedHold {
  /** Users of the hold. */
  count: number;
  /** Resolves with the release of the Web Lock (rejects when it could not be taken). */
  ready: Promise<() => void>;
}

/** Disks this worker holds (or is acquiring) in shared mode, as bases. */
const shared = new Map<string, SharedHold>();

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
  if (shared.has(name)) throw new DiskBusyError(name, `disk "${name}" is the base of a disk open in this page`);
  claimed.add(name);
  try {
    const release = await waitForLock(name, 'exclusive');
    return announcedLock(name, () => {
      stopHolding(name);
      claimed.delete(name);
      release();
    });
  } catch (error) {
    claimed.delete(name);
    throw error;
  }
}

/**
 * Takes disk `name`'s lock in shared mode, for reading it as a base: fails with `DiskBusyError`
 * while it is open for writing (here, soon; in another tab, after the usual waits). Holds of the
 * same worker share one Web Lock, released with the last of them.
 */
export async function acquireSharedDiskLock(name: string): Promise<DiskLock> {
  validateDiskName(name);
  if (claimed.has(name)) throw new DiskBusyError(name, `disk "${name}" is open for writing in this page, so it cannot serve as a base`);
  let hold = shared.get(name);
  if (!hold) {
    const created: SharedHold = { count: 0, ready: waitForLock(name, 'shared') };
    shared.set(name, created);
    created.ready.catch(() => {
      if (shared.get(name) === created) shared.delete(name);
    });
    hold = created;
  }
  hold.count++;
  const taken = hold;
  try {
    await taken.ready;
  } catch (error) {
    taken.count--;
    throw error;
  }
  return announcedLock(name, () => {
    if (--taken.count > 0) return;
    if (shared.get(name) === taken) shared.delete(name);
    stopHolding(name);
    taken.ready.then((release) => release(), () => undefined);
  });
}

/** Requests disk `name`'s Web Lock in `mode`, retrying as `acquireDiskLock` describes; resolves with its release. */
async function waitForLock(name: string, mode: LockMode): Promise<() => void> {
  let query: HolderQuery | null = null;
  try {
    const start = Date.now();
    let answeredAt: number | null = null;
    for (;;) {
      const release = await tryLock(diskLockName(name), mode);
      if (release) return release;
      query ??= askForHolder(name);
      if (query.answered) answeredAt ??= Date.now();
      const now = Date.now();
      if (now - start >= RELEASE_WAIT_MS || (answeredAt !== null && now - answeredAt >= LIVE_HOLDER_WAIT_MS)) {
        throw new DiskBusyError(name);
      }
      await sleep(RETRY_STEP_MS);
    }
  } finally {
    query?.dispose();
  }
}

/** A held lock on disk `name`, announced to other tabs; its first `release` runs `letGo`, later ones nothing. */
function announcedLock(name: string, letGo: () => void): DiskLock {
  announceHolding(name);
  let released = false;
  return {
    name,
    release() {
      if (released) return;
      released = true;
      letGo();
    },
  };
}

/** Requests `lockName` in `mode` if it is free; resolves with its release function, or null when taken. */
function tryLock(lockName: string, mode: LockMode): Promise<(() => void) | null> {
  return new Promise((resolve, reject) => {
    navigator.locks
      .request(lockName, { ifAvailable: true, mode }, (lock) => {
        if (lock === null) {
          resolve(null);
          return undefined;
        }
        return new Promise<void>((release) => resolve(() => release()));
      })
      .catch(reject);
  });
}
