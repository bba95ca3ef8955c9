/**
 * The stack benchmark's web server and browser: Vite serving the checkout on a free port of
 * 127.0.0.1 (no file watching, no hot reload, as for the browser tests), cross-origin isolated
 * (COOP and COEP headers) so the page can measure the worker's memory, and Chromium or Firefox
 * (Debian's firefox-esr behind the tests' BiDi shim) launched with Playwright's library API.
 *
 * The browser runs on a fresh on-disk profile (a persistent context in a temporary folder), as a
 * user's browser does: in an incognito context (Playwright's `browser.newContext()`) Chromium
 * keeps OPFS in memory in the browser process, and every sync access handle call becomes an IPC
 * round trip, which is not what a visitor's disk costs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type BrowserType, type LaunchOptions, chromium, firefox } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH, FIREFOX_LAUNCH, startBenchServer } from './bench-server.ts';

/** The tests' Chromium flags, plus prompt (rather than up to 20 s late) memory measurements. */
const STACK_CHROMIUM_ARGS = [...CHROMIUM_ARGS, '--enable-blink-features=ForceEagerMeasureMemory'];

/** Headers that make every page of the server cross-origin isolated. */
const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/** The browsers the stack benchmark runs in. */
export type StackBrowser = 'chromium' | 'firefox';

/** A running server and browser. */
export interface StackHost {
  /** `http://127.0.0.1:PORT`. */
  baseUrl: string;
  /** The browser's only context, on a fresh on-disk profile (OPFS starts empty). */
  context: BrowserContext;
  /** Which browser. */
  browser: StackBrowser;
  /** The browser's version. */
  version: string;
  /** Closes the browser and stops the server. */
  close(): Promise<void>;
}

/**
 * Starts Vite (with `QEDISK_TEST_SERVER=1`) and `browser` (default Chromium: `QEDISK_CHROMIUM` or
 * /usr/bin/chromium; Firefox: `QEDISK_FIREFOX` or /usr/bin/firefox-esr) on a new profile in
 * `QEDISK_BENCH_DIR` or the system's temporary folder (`incognito`: a private context).
 */
export async function startStackHost(options: { incognito?: boolean; browser?: StackBrowser } = {}): Promise<StackHost> {
  const { baseUrl, server } = await startBenchServer(ISOLATION_HEADERS);
  const browserName = options.browser ?? 'chromium';
  const { engine, launch }: { engine: BrowserType; launch: LaunchOptions } =
    browserName === 'firefox' ? { engine: firefox, launch: FIREFOX_LAUNCH } : { engine: chromium, launch: { executablePath: CHROMIUM_PATH, args: STACK_CHROMIUM_ARGS, headless: true } };
  const profile = options.incognito ? null : mkdtempSync(join(process.env['QEDISK_BENCH_DIR'] ?? tmpdir(), 'qedisk-stack-profile-'));
  const removeProfile = (): void => {
    if (profile !== null) rmSync(profile, { recursive: true, force: true });
  };
  let context: BrowserContext;
  let version: string;
  try {
    if (profile !== null) {
      context = await engine.launchPersistentContext(profile, launch);
      version = context.browser()?.version() ?? 'unknown';
    } else {
      const browser = await engine.launch(launch);
      context = await browser.newContext();
      version = browser.version();
    }
  } catch (error) {
    removeProfile();
    await server.close();
    throw error;
  }
  return {
    baseUrl,
    context,
    browser: browserName,
    version,
    close: async () => {
      try {
        const browser = context.browser();
        await context.close();
        await browser?.close();
      } finally {
        removeProfile();
        await server.close();
      }
    },
  };
}
