/**
 * The boots of the network boot benchmark: a browser context per base whose page code and guest
 * files were loaded over localhost; each boot makes a new disk on the base (the base's cache empty,
 * or filled whole first), switches the emulated link on, and times the page
 * (`guest-page.html?base=...`) by its own clock to the shell, and to a command's output when the
 * base has one.
 */
import type { Browser, BrowserContext, Page } from '@playwright/test';
import type { BasePrefetchStatus, RemoteBaseStatus } from '../../src/protocol/types.ts';
import type { NetworkProfile, ThrottleProxy } from './network-boot-throttle.ts';
import { warmUp } from './guest-session.ts';

/** A base the benchmark boots from, and what it runs once the shell is up. */
export interface NetworkBase {
  /** Short name for the table. */
  key: 'busybox' | 'python' | 'python-qcow2';
  /** How the table names it. */
  label: string;
  /** File name in `demo/assets/guest/`. */
  file: string;
  /** Command sent to the shell after the prompt (null: the shell is the end). */
  command: string | null;
  /** A line of the command's output (RegExp source) that ends the measurement. */
  expect: string;
}

/** The Python base's command and the line of its output that ends the measurement. */
const PYTHON_COMMAND = { command: "chroot /mnt /usr/bin/python3 -c 'print(sum(range(10)))'", expect: '^45\\r?$' };

/**
 * The bases: the demo's busybox base (to the shell), the Python base (to Python's output), and the
 * Python base as the compressed qcow2 image `scripts/ensure-base-qcow2.mjs` makes of it (the same
 * disk in fewer bytes, for slow links).
 */
export const NETWORK_BASES: readonly NetworkBase[] = [
  { key: 'busybox', label: 'busybox base', file: 'base-rootfs.ext2', command: null, expect: '' },
  { key: 'python', label: 'python base', file: 'python-rootfs.ext2', ...PYTHON_COMMAND },
  { key: 'python-qcow2', label: 'python base as compressed qcow2', file: 'python-rootfs.qcow2', ...PYTHON_COMMAND },
];

/** The image format of `base`'s file, as the page's `base-format` parameter names it. */
const baseFormat = (base: NetworkBase): 'raw' | 'qcow2' => (base.file.endsWith('.qcow2') ? 'qcow2' : 'raw');

/** Which boot: over the emulated link (`profile`) or localhost (null), with the manifest served or hidden, the whole base cached first or not. */
export interface BootVariant {
  profile: NetworkProfile | null;
  manifest: boolean;
  cached: boolean;
}

/** What one boot measured. Times in seconds since navigation start. */
export interface BootRun {
  /** How the VM started (`cold` or `saved-state`). */
  startedFrom: string;
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
  /** The guest's disk reads up to the end mark: how many, and their summed time from call to answer (ms). */
  diskReads: { count: number; totalMs: number };
}

const BOOT_TIMEOUT_MS = 900_000;
const PAGE_TIMEOUT_MS = 180_000;
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

/** Opens a page of `guest-page.html` with `query` that ends at mark `mark`, and closes it. */
async function utilityPage(context: BrowserContext, proxy: ThrottleProxy, query: string, mark: string): Promise<void> {
  const page = await context.newPage();
  try {
    await page.goto(`${proxy.baseUrl}/bench/browser/guest-page.html?${query}`, { timeout: PAGE_TIMEOUT_MS });
    await markOf(page, mark, PAGE_TIMEOUT_MS);
  } finally {
    await page.close();
  }
}

/**
 * One browser context per base: OPFS keeps the guest's saved state (made by the first, cold,
 * boot) between the measured boots, and each measured boot gets a new disk whose base cache is
 * empty (the disk before it was deleted, and the cache with it) or complete (`cached`).
 */
export class NetworkBootSession {
  readonly #context: BrowserContext;
  readonly #proxy: ThrottleProxy;
  readonly #base: NetworkBase;
  #boots = 0;

  private constructor(context: BrowserContext, proxy: ThrottleProxy, base: NetworkBase) {
    this.#context = context;
    this.#proxy = proxy;
    this.#base = base;
  }

  /** A new context with the page's code loaded once (over localhost). */
  static async open(browser: Browser, proxy: ThrottleProxy, base: NetworkBase): Promise<NetworkBootSession> {
    const context = await browser.newContext();
    proxy.profile = null;
    proxy.hideManifests = true;
    await warmUp(context, proxy.baseUrl, PAGE_TIMEOUT_MS);
    return new NetworkBootSession(context, proxy, base);
  }

  /**
   * Boots on a new disk from the base: `cold` (no saved state: the first boot, which saves it) or
   * from the saved state; with the variant's link, manifest and cache. Deletes the disk (and the
   * base's cache with it) afterwards.
   */
  async boot(variant: BootVariant, start: 'cold' | 'auto'): Promise<BootRun> {
    const proxy = this.#proxy;
    const name = `boot-${this.#boots++}`;
    const path = basePath(this.#base);
    proxy.profile = null;
    proxy.hideManifests = true;
    if (variant.cached) await utilityPage(this.#context, proxy, `cache-base=${encodeURIComponent(path)}&base-format=${baseFormat(this.#base)}&name=keeper`, 'cached');
    proxy.profile = variant.profile;
    proxy.hideManifests = !variant.manifest;
    proxy.resetCounters();
    const page = await this.#context.newPage();
    try {
      const query = new URLSearchParams({ base: path, 'base-format': baseFormat(this.#base), name, start });
      await page.goto(`${proxy.baseUrl}/bench/browser/guest-page.html?${query.toString()}`, { timeout: PAGE_TIMEOUT_MS });
      if (this.#base.command) await page.evaluate((pattern) => window.guestBench.watch('command', pattern), this.#base.expect);
      const shellS = await markOf(page, 'shell', BOOT_TIMEOUT_MS);
      let pythonS: number | null = null;
      if (this.#base.command) {
        await page.evaluate((command) => window.guestBench.send(`${command}\n`), this.#base.command);
        pythonS = await markOf(page, 'command', BOOT_TIMEOUT_MS);
      }
      const startLineS = await markOf(page, 'start-line', 1000);
      const { requests, bytes } = proxy.counters();
      const status = await page.evaluate(() => window.guestBench.baseStatus());
      const startedFrom = await page.evaluate(() => window.guestBench.startedFrom ?? 'unknown');
      const diskReads = await page.evaluate(() => ({ count: window.guestBench.diskTimes.read.durationsMs.length, totalMs: window.guestBench.diskTimes.read.durationsMs.reduce((sum, ms) => sum + ms, 0) }));
      await page.evaluate(() => window.guestBench.stop());
      return { startedFrom, shellS, startLineS, pythonS, requests, bytes, prefetch: status?.prefetch ?? null, readOrder: status?.readOrder ?? null, diskReads };
    } finally {
      proxy.profile = null;
      await page.close();
      await utilityPage(this.#context, proxy, `delete=${name},keeper`, 'deleted');
    }
  }

  /** Closes the context. */
  async close(): Promise<void> {
    await this.#context.close();
  }
}
