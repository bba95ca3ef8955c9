/**
 * Puts built files into place so that nothing half-built is ever used: each file is written into
 * a staging folder beside the target and read back against its hash; then the stamp (which says
 * the folder is complete and up to date) is removed, each changed file is renamed over the old one
 * (an atomic step per file), and the new stamp is written last. A file whose bytes did not change
 * is left as it is, so its HTTP validators (the dev server's ETag follows the modification time)
 * stay the same. A crash between the steps leaves no stamp, so the next run builds again.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { GuestAssetsError } from './errors.ts';

const STAGING_PREFIX = '.staging-';

/** SHA-256 of `data`, hex. */
const digest = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Writes `data` to a new file at `path` and flushes it to disk. */
async function writeDurably(path: string, data: Uint8Array): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** True when the file at `path` exists and holds exactly `data`. */
async function holds(path: string, data: Uint8Array): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile() || info.size !== data.byteLength) return false;
  return digest(await readFile(path)) === digest(data);
}

/** Removes staging folders of earlier runs whose process is gone (`.staging-<pid>-<random>`). */
export async function removeStaleStaging(outDir: string): Promise<void> {
  for (const name of await readdir(outDir).catch(() => [] as string[])) {
    if (!name.startsWith(STAGING_PREFIX)) continue;
    const pid = Number(name.slice(STAGING_PREFIX.length).split('-')[0]);
    let alive = false;
    try {
      if (Number.isSafeInteger(pid) && pid > 0) alive = process.kill(pid, 0);
    } catch (error) {
      alive = (error as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (!alive) await rm(join(outDir, name), { recursive: true, force: true });
  }
}

/** What `publishFiles` did. */
export interface PublishResult {
  /** Files written anew. */
  replaced: string[];
  /** Files that already held the same bytes. */
  unchanged: string[];
}

/**
 * Publishes `files` (name to bytes) into `outDir` and then writes `stampName` holding
 * `stampContent`. See the module comment for the order of steps.
 */
export async function publishFiles(outDir: string, files: ReadonlyMap<string, Uint8Array>, stampName: string, stampContent: string): Promise<PublishResult> {
  await mkdir(outDir, { recursive: true });
  await removeStaleStaging(outDir);
  const staging = join(outDir, `${STAGING_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(staging);
  try {
    for (const [name, data] of files) {
      if (name.includes('/') || name.startsWith('.')) throw new GuestAssetsError(`bad asset name ${JSON.stringify(name)}`);
      await writeDurably(join(staging, name), data);
      if (digest(await readFile(join(staging, name))) !== digest(data)) throw new GuestAssetsError(`${name} did not read back as written in ${staging}`);
    }
    await rm(join(outDir, stampName), { force: true });
    const result: PublishResult = { replaced: [], unchanged: [] };
    for (const [name, data] of files) {
      if (await holds(join(outDir, name), data)) {
        result.unchanged.push(name);
      } else {
        await rename(join(staging, name), join(outDir, name));
        result.replaced.push(name);
      }
    }
    await writeDurably(join(staging, stampName), new TextEncoder().encode(stampContent));
    await rename(join(staging, stampName), join(outDir, stampName));
    return result;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
