/**
 * One boot of the network boot benchmark: a fresh browser context, a warm-up page load over
 * localhost (page code, guest files), optionally the whole base cached in OPFS first, then the
 * emulated link switched on and the measured page (`guest-page.html?base=...&start=cold`) timed
 * by its own clock to the shell, and to a command's output when the base has one.
 */
import type { Browser, Page } from '@playwright/test';
import type { BasePrefetchStatus, RemoteBaseStatus } from '../../src/protocol/types.ts';
import type { NetworkProfile, ThrottleProxy } from './network-boot-throttle.ts';
import { warmUp } from './guest-session.ts';

/** A base the benchmark boots from, and what it runs once the shell is up. */
export interface NetworkBase {
  /** Short name for the table. */
  key: 'busybox' | 'python';
  /** File name in `demo/assets/guest/`. */
  file: string;
  /** Command sent to the shell after the prompt (null: the shell is the end). */
  command: string | null;
  /** A line of the command's output (RegExp source) that ends the measurement. */
  expect: string;
}

/** The bases: the demo's busybox base (to the shell) and the Python base (to Python's output). */
export const NETWORK_BASES: readonly NetworkBase[] = [
  { key: 'busybox', file: 'base-rootfs.ext2', command: null, expect: '' },
  { key: 'python', file: 'python-rootfs.ext2', command: "chroot /mnt /usr/bin/python3 -c 'print(sum(range(10)))'", expect: '^45\\r?$' },
];

/** Which boot: over the emulated link (`profile`) or localhost (null), with the manifest served or hidden, base cached first or not. */
export interface BootVariant {
  profile: NetworkProfile | null;
  manifest: boolean;
  cached: boolean;
}

/** What one boot needs. */
export interface BootSpec {
  browser: Browser;
  proxy: ThrottleProxy;
  base: NetworkBase;
  variant: BootVariant;
}

/** What one boot measured. Times in seconds since navigation start. */
export interface BootRun {
  /** To the shell prompt after QEDISK-READY. */
  shellS: number;
  /** To `QEDISK-START` (the init is about to read the disk). */
  startLineS: number;
  /** To the command's output, or null without a command. */
  pythonS: number | null;
  /** Requests that went over the emulated link (base and manifest). */
  requests: number;
  /** Bytes that went over it. */
  bytes: number;
  /** What the prefetcher did, if there was a manifest. */
  prefetch: BasePrefetchStatus | null;
  /** The chunks the boot read, in first-read order. */
  readOrder: RemoteBaseStatus['readOrder'] | null;
}

const BOOT_TIMEOUT_MS = 300_000;
const PAGE_TIMEOUT_MS = 120_000;
const basePath = (base: NetworkBase): string => `/demo/assets/guest/${base.file}`;

/** Waits until the page has mark `name` (or an error), returning it in seconds. */
async function markOf(page: Page, name: string, timeoutMs: number): Promise<number> {
  try {
    await page.waitForFunction((mark) => window.guestBench.marks[mark] !== undefined || window.guestBench.error !== null, name, { timeout: timeoutMs, polling: 100 });
  } catch (error) {
    const tail = await page.evaluate(() => window.guestBench.serial.slice(-1500)).catch(() => '');
    throw new Error(`no ${name} mark: ${String(error)}\n--- guest console ---\n${tail}`);
  }
  const { mark, error } = await page.evaluate((mark) => ({ mark: window.guestBench.marks[mark], error: window.guestBench.error }), name);
  if (error !== null || mark === undefined) throw new Error(`the benchmark page failed: ${error ?? 'no mark'}`);
  return mark / 1000;
}

/** Runs one boot (see the module comment) and closes its context. */
export async function bootOnce({ browser, proxy, base, variant }: BootSpec): Promise<BootRun> {
  const context = await browser.newContext();
  try {
    proxy.profile = null;
    proxy.hideManifests = true;
    await warmUp(context, proxy.baseUrl, PAGE_TIMEOUT_MS);
    if (variant.cached) {
      const prep = await context.newPage();
      await prep.goto(`${proxy.baseUrl}/bench/browser/guest-page.html?cache-base=${encodeURIComponent(basePath(base))}&name=cache`, { timeout: PAGE_TIMEOUT_MS });
      await markOf(prep, 'cached', PAGE_TIMEOUT_MS);
      await prep.close();
    }
    proxy.profile = variant.profile;
    proxy.hideManifests = !variant.manifest;
    proxy.resetCounters();
    const page = await context.newPage();
    const query = new URLSearchParams({ base: basePath(base), name: 'boot', start: 'cold' });
    await page.goto(`${proxy.baseUrl}/bench/browser/guest-page.html?${query.toString()}`, { timeout: PAGE_TIMEOUT_MS });
    if (base.command) await page.evaluate((pattern) => window.guestBench.watch('command', pattern), base.expect);
    const shellS = await markOf(page, 'shell', BOOT_TIMEOUT_MS);
    let pythonS: number | null = null;
    if (base.command) {
      await page.evaluate((command) => window.guestBench.send(`${command}\n`), base.command);
      pythonS = await markOf(page, 'command', BOOT_TIMEOUT_MS);
    }
    const startLineS = await markOf(page, 'start-line', 1000);
    const status = await page.evaluate(() => window.guestBench.baseStatus());
    const { requests, bytes } = proxy.counters();
    await page.evaluate(() => window.guestBench.stop());
    return { shellS, startLineS, pythonS, requests, bytes, prefetch: status?.prefetch ?? null, readOrder: status?.readOrder ?? null };
  } finally {
    proxy.profile = null;
    await context.close();
  }
}
