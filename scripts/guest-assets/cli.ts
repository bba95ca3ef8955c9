/**
 * The command behind `scripts/ensure-guest-assets.mjs` and `scripts/ensure-base-rootfs.mjs`:
 * builds what is missing with a progress display, prints what it did and how long it took, and
 * on failure explains what went wrong and what to try. Returns the exit code.
 */
import { BASE_IMAGE_FILE, DEFAULT_DEBIAN_MIRROR, MIRROR_ENV } from './config.ts';
import { PYTHON_BASE_FILE } from './python-base.ts';
import { type EnsureOptions, ensureGuestAssets } from './ensure.ts';
import { GuestAssetsChecksumError, GuestAssetsError, GuestAssetsNetworkError, GuestAssetsSignatureError } from './errors.ts';
import { TerminalProgress } from './progress.ts';

/** A line of advice for `error`. */
function adviceFor(error: unknown): string {
  const mirror = process.env[MIRROR_ENV] ?? DEFAULT_DEBIAN_MIRROR;
  if (error instanceof GuestAssetsNetworkError) {
    return `Could not download from ${mirror}. Check the network and run the command again (finished downloads are kept), or set ${MIRROR_ENV} to another Debian mirror (e.g. one your proxy reaches).`;
  }
  if (error instanceof GuestAssetsChecksumError) {
    return `A file from ${mirror} did not match Debian's signed index, even after a retry. Run the command again later (mirrors update every few hours), or set ${MIRROR_ENV} to another mirror.`;
  }
  if (error instanceof GuestAssetsSignatureError) {
    return `${mirror} served an InRelease that Debian's keys do not vouch for. Use another mirror (${MIRROR_ENV}).`;
  }
  return 'This looks like a bug in the build: please report it with the output above.';
}

/** What one part is called in messages. */
const PART_NAMES = { guest: 'guest files', base: 'shared base', python: 'Python base' } as const;

/**
 * Runs the build: 'all' makes sure of the guest files, then the base; 'base' of the base only.
 * Each part reports on its own (a failed base does not hide complete guest files). Without
 * `--strict` in `args` a failure only warns and returns 0 (the demo then starts without that
 * part); with it, 1. `--python` also makes sure of the Python base (`python-rootfs.ext2`), which
 * is never built otherwise (about 14 MB more to download, and 512 MiB on disk).
 */
export async function runEnsure(what: 'all' | 'base', args: readonly string[], options: EnsureOptions = {}): Promise<number> {
  const strict = args.includes('--strict');
  const prefix = what === 'all' ? 'ensure-guest-assets: ' : 'ensure-base-rootfs: ';
  const progress = options.progress ?? new TerminalProgress(prefix);
  let failed = false;
  const memo = {};
  const parts = what === 'all' ? (['guest', 'base'] as const) : (['base'] as const);
  for (const part of args.includes('--python') ? [...parts, 'python' as const] : parts) {
    const started = performance.now();
    try {
      const report = await ensureGuestAssets({ ...options, progress, force: args.includes('--force') }, part, memo);
      const result = report[part];
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const what = part === 'base' ? BASE_IMAGE_FILE : part === 'python' ? PYTHON_BASE_FILE : PART_NAMES[part];
      console.log(`${prefix}${what} ${result === 'up to date' ? 'up to date' : `built (${result.replaced.length} written, ${result.unchanged.length} unchanged)`} (${seconds} s)`);
    } catch (error) {
      failed = true;
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const name = error instanceof GuestAssetsError ? error.name : error instanceof Error ? error.name : 'Error';
      console.error(`\n${prefix}the build of the ${PART_NAMES[part]} failed after ${seconds} s: ${name}: ${error instanceof Error ? error.message : String(error)}`);
      console.error(`${prefix}${adviceFor(error)}`);
      console.error(`${prefix}nothing half-built was put in place.`);
      if (!strict) console.error(`${prefix}going on without ${part === 'guest' ? 'a guest: the demo cannot boot a VM' : part === 'python' ? 'the Python base' : 'a shared base: the demo cannot make disks from it'}.\n`);
    }
  }
  return failed && strict ? 1 : 0;
}
