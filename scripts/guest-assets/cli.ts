/**
 * The command behind `scripts/ensure-guest-assets.mjs` and `scripts/ensure-base-rootfs.mjs`:
 * builds what is missing with a progress display, prints what it did and how long it took, and
 * on failure explains what went wrong and what to try. Returns the exit code.
 */
import { BASE_IMAGE_FILE, DEFAULT_DEBIAN_MIRROR, MIRROR_ENV } from './config.ts';
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

/**
 * Runs the build. `what` is 'all' (guest files, then the base) or 'base'. Without `--strict` in
 * `args` a failure only warns and returns 0 (the demo then starts without a guest); with it, 1.
 */
export async function runEnsure(what: 'all' | 'base', args: readonly string[], options: EnsureOptions = {}): Promise<number> {
  const strict = args.includes('--strict');
  const prefix = what === 'all' ? 'ensure-guest-assets: ' : 'ensure-base-rootfs: ';
  const progress = options.progress ?? new TerminalProgress(prefix);
  const started = performance.now();
  try {
    const report = await ensureGuestAssets({ ...options, progress, force: args.includes('--force') }, what);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const describe = (part: typeof report.guest) => (part === 'up to date' ? 'up to date' : `built (${part.replaced.length} written, ${part.unchanged.length} unchanged)`);
    if (what === 'all') console.log(`${prefix}guest files ${describe(report.guest)}; shared base ${describe(report.base)} (${seconds} s)`);
    else console.log(`${prefix}${BASE_IMAGE_FILE} ${describe(report.base)} (${seconds} s)`);
    return 0;
  } catch (error) {
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const name = error instanceof GuestAssetsError ? error.name : error instanceof Error ? error.name : 'Error';
    console.error(`\n${prefix}the build failed after ${seconds} s: ${name}: ${error instanceof Error ? error.message : String(error)}`);
    console.error(`${prefix}${adviceFor(error)}`);
    console.error(`${prefix}nothing half-built was put in place.`);
    if (strict) return 1;
    console.error(`${prefix}going on without ${what === 'all' ? 'a complete guest: the demo may not boot a VM' : 'a shared base'}.\n`);
    return 0;
  }
}
