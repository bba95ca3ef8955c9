/**
 * The download cache: files from the mirror kept by their SHA-256 (`<dir>/sha256/<hash>`), so a
 * rebuild, a second checkout or a test reuses them. A cached file is hashed again before use; one
 * that does not match is deleted and downloaded anew.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type RetryPolicy, downloadVerified } from './download.ts';
import type { Progress } from './progress.ts';
import type { FileDigest } from './release.ts';

/** A partial download untouched this long (milliseconds) belongs to a run that died. */
const STALE_PART_MS = 60 * 60 * 1000;

/** SHA-256 (lower-case hex) of the file at `path`, read as a stream; `onBytes` sees each chunk's size. */
export async function hashFile(path: string, onBytes: (bytes: number) => void = () => {}): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    onBytes((chunk as Buffer).byteLength);
  }
  return hash.digest('hex');
}

/** A content-addressed store of downloaded files. */
export class DownloadCache {
  /** The cache's folder. */
  readonly dir: string;

  /** A cache in `dir` (created on first use). */
  constructor(dir: string) {
    this.dir = dir;
  }

  /** Where the file with SHA-256 `sha256` is kept. */
  pathOf(sha256: string): string {
    return join(this.dir, 'sha256', sha256);
  }

  /**
   * The path of a verified copy of `expected`: the cached one when its bytes still match, else a
   * fresh download of `url` (see `downloadVerified`). `fromCache` tells which.
   */
  async fetch(url: string, label: string, expected: FileDigest, policy: RetryPolicy, progress: Progress): Promise<{ path: string; fromCache: boolean }> {
    const path = this.pathOf(expected.sha256);
    const existing = await stat(path).catch(() => undefined);
    if (existing?.isFile() && existing.size === expected.size) {
      if ((await hashFile(path)) === expected.sha256) {
        progress.note(`${label}: in the download cache`);
        return { path, fromCache: true };
      }
      progress.note(`${label}: the cached copy is damaged; downloading it again`);
    }
    if (existing) await rm(path, { force: true });
    await mkdir(join(this.dir, 'sha256'), { recursive: true });
    await this.#removeStaleParts(expected.sha256);
    await downloadVerified(url, label, expected, path, policy, progress);
    return { path, fromCache: false };
  }

  /** Deletes partial downloads of `sha256` left by runs that died (untouched for an hour). */
  async #removeStaleParts(sha256: string): Promise<void> {
    const folder = join(this.dir, 'sha256');
    for (const name of await readdir(folder)) {
      if (!name.startsWith(`${sha256}.part-`)) continue;
      const info = await stat(join(folder, name)).catch(() => undefined);
      if (info && Date.now() - info.mtimeMs > STALE_PART_MS) await rm(join(folder, name), { force: true });
    }
  }
}
