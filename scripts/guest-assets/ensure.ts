/**
 * Makes sure `demo/assets/guest/` holds the guest files and the shared base, building what is
 * missing or out of date (its recipe stamp differs) from Debian packages, with Node alone.
 * Packages are resolved once per run and only when something must be built.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ArchiveOptions, type ResolvedPackages, resolvePackages } from './archive.ts';
import { buildBaseFile, buildGuestFiles } from './builder.ts';
import { PYTHON_BASE_FILE, buildPythonBaseFile } from './python-base.ts';
import { DownloadCache } from './cache.ts';
import { BASE_IMAGE_FILE, CACHE_ENV, DEFAULT_DEBIAN_MIRROR, GUEST_FILES, MIRROR_ENV } from './config.ts';
import type { RetryPolicy } from './download.ts';
import { type Progress, silentProgress } from './progress.ts';
import { withLock } from './lock.ts';
import { type PublishResult, publishFiles } from './publish.ts';
import { isUpToDate, recipeHash } from './recipe.ts';

/** The checkout this file lives in. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The guest files' recipe stamp, and the base image's. */
export const GUEST_STAMP = 'RECIPE_SHA256';
export const BASE_STAMP = 'base-rootfs.recipe';
/** The Python base's recipe stamp (same recipe as the shared base). */
export const PYTHON_STAMP = 'python-rootfs.recipe';
/** Sources that decide the guest files, relative to the checkout. */
export const GUEST_RECIPE = ['scripts/guest-assets', 'scripts/guest-init.sh', 'scripts/boot-sector-test.bin'] as const;
/** Sources that decide the base image: the build, and the parts of the file-system layer that write ext2. */
export const BASE_RECIPE = [
  'scripts/guest-assets',
  'src/fs/ext',
  'src/fs/block-device.ts',
  'src/fs/bytes.ts',
  'src/fs/crc.ts',
  'src/fs/errors.ts',
  'src/fs/file-system.ts',
  'src/fs/path.ts',
  'src/qed/errors.ts',
] as const;
/** The lock file that lets one build at a time work on an output folder (inside it: git-ignored with it). */
const LOCK_NAME = '.build.lock';
/** How long a build waits for another one to finish, in milliseconds. */
const LOCK_TIMEOUT_MS = 15 * 60 * 1000;

/** Where to build and fetch from; every field has a default. */
export interface EnsureOptions {
  /** The checkout whose sources are built (default: this one). */
  repoRoot?: string;
  /** Output folder (default `<repoRoot>/demo/assets/guest`). */
  outDir?: string;
  /** Download cache (default `$QEDISK_GUEST_CACHE`, else `<repoRoot>/.cache/guest-assets`). */
  cacheDir?: string;
  /** Mirror (default `$QEDISK_DEBIAN_MIRROR`, else `DEFAULT_DEBIAN_MIRROR`). */
  mirror?: string;
  /** Keys InRelease must be signed with (default Debian's). */
  trustedKeys?: readonly string[];
  /** Retries and time-outs. */
  retry?: RetryPolicy;
  /** Progress reports. */
  progress?: Progress;
  /** Build the guest files even when their stamp says they are up to date. */
  force?: boolean;
}

/** What `ensureGuestAssets` did for each part. */
export interface EnsureReport {
  /** The guest files: already there, or built (with what changed). */
  guest: 'up to date' | PublishResult;
  /** The base image likewise. */
  base: 'up to date' | PublishResult;
  /** The Python base likewise ('up to date' too when not asked for). */
  python: 'up to date' | PublishResult;
}

/** The options with their defaults filled in. */
function settle(options: EnsureOptions) {
  const repoRoot = options.repoRoot ?? REPO_ROOT;
  const progress = options.progress ?? silentProgress;
  const archive: ArchiveOptions = {
    mirror: options.mirror ?? process.env[MIRROR_ENV] ?? DEFAULT_DEBIAN_MIRROR,
    cache: new DownloadCache(options.cacheDir ?? process.env[CACHE_ENV] ?? join(repoRoot, '.cache', 'guest-assets')),
    progress,
    ...(options.trustedKeys ? { trustedKeys: options.trustedKeys } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
  };
  return { repoRoot, outDir: options.outDir ?? join(repoRoot, 'demo', 'assets', 'guest'), archive };
}

/** The guest files every build writes (and the stamp checks for). */
export const REQUIRED_GUEST_FILES = Object.values(GUEST_FILES);

/** Which parts to make sure of ('all' is the guest files and the shared base; the Python base only when asked for by name). */
export type EnsureParts = 'all' | 'guest' | 'base' | 'python';

/**
 * Builds the guest files and/or the base image where they are missing or out of date ('all': the
 * guest files, then the base). Throws the build's typed errors; on a throw, files already in
 * place are left as they were.
 */
export async function ensureGuestAssets(options: EnsureOptions = {}, parts: EnsureParts = 'all', memo: PackagesMemo = {}): Promise<EnsureReport> {
  const { outDir, archive } = settle(options);
  const onWait = () => archive.progress?.note('waiting for another build of the guest files to finish');
  return withLock(join(outDir, LOCK_NAME), LOCK_TIMEOUT_MS, onWait, () => ensureLocked(options, parts, memo));
}

/** Packages resolved by one call, for the next call of the same run to reuse (pass the same object). */
export interface PackagesMemo {
  resolved?: ResolvedPackages;
}

/** `ensureGuestAssets` once the lock is held. */
async function ensureLocked(options: EnsureOptions, parts: EnsureParts, memo: PackagesMemo): Promise<EnsureReport> {
  const { repoRoot, outDir, archive } = settle(options);
  const packages = async () => (memo.resolved ??= await resolvePackages(archive));
  const report: EnsureReport = { guest: 'up to date', base: 'up to date', python: 'up to date' };

  if (parts === 'all' || parts === 'guest') {
    const hash = recipeHash(repoRoot, GUEST_RECIPE);
    if (options.force || !isUpToDate(outDir, REQUIRED_GUEST_FILES, GUEST_STAMP, hash)) {
      const sources = {
        // A Windows checkout may have turned the script's line ends into CRLF; the guest's shell needs LF.
        init: new TextEncoder().encode(readFileSync(join(repoRoot, 'scripts', 'guest-init.sh'), 'utf8').replace(/\r\n/g, '\n')),
        bootSector: readFileSync(join(repoRoot, 'scripts', 'boot-sector-test.bin')),
      };
      const files = await buildGuestFiles(await packages(), sources, archive);
      report.guest = await publishFiles(outDir, files, GUEST_STAMP, `${hash}\n`);
    }
  }
  const baseHash = recipeHash(repoRoot, BASE_RECIPE);
  if ((parts === 'all' || parts === 'base') && (options.force || !isUpToDate(outDir, [BASE_IMAGE_FILE], BASE_STAMP, baseHash))) {
    const image = await buildBaseFile(await packages(), archive);
    report.base = await publishFiles(outDir, new Map([[BASE_IMAGE_FILE, image]]), BASE_STAMP, `${baseHash}\n`);
  }
  if (parts === 'python' && (options.force || !isUpToDate(outDir, [PYTHON_BASE_FILE], PYTHON_STAMP, baseHash))) {
    const image = await buildPythonBaseFile(archive);
    report.python = await publishFiles(outDir, new Map([[PYTHON_BASE_FILE, image]]), PYTHON_STAMP, `${baseHash}\n`);
  }
  return report;
}
