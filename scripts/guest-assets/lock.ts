/**
 * One build at a time per output folder: a lock file created exclusively, holding the owner's
 * process id. A lock whose owner is gone is taken over; otherwise the caller waits (the browser
 * tests start several builds at once, and each must see the finished result, not build again).
 */
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GuestAssetsError } from './errors.ts';

/** How often to look at a held lock, in milliseconds. */
const POLL_MS = 250;

/** True when process `pid` is running. */
function isAlive(pid: number): boolean {
  try {
    return process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Tries once to create the lock; returns true when it is ours. Removes a lock whose owner is gone. */
async function tryLock(path: string): Promise<boolean> {
  try {
    const handle = await open(path, 'wx');
    await handle.writeFile(String(process.pid));
    await handle.close();
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
  if (!Number.isSafeInteger(owner) || owner <= 0 || !isAlive(owner)) await rm(path, { force: true });
  return false;
}

/**
 * Runs `work` holding the lock file at `path`, waiting up to `timeoutMs` for another holder.
 * `onWait` is called once if it has to wait. Throws `GuestAssetsError` on the time-out.
 */
export async function withLock<T>(path: string, timeoutMs: number, onWait: () => void, work: () => Promise<T>): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let waited = false;
  while (!(await tryLock(path))) {
    if (Date.now() > deadline) throw new GuestAssetsError(`another build has held ${path} for over ${timeoutMs / 1000} s`);
    if (!waited) onWait();
    waited = true;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  try {
    return await work();
  } finally {
    await rm(path, { force: true });
  }
}
