/**
 * The web server and browser of the guest benchmark: Vite serving the checkout on a free port of
 * 127.0.0.1 (no file watching, no hot reload, as for the browser tests), and Chromium launched
 * with Playwright's library API.
 */
import { type Browser, chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH, repoRoot, startBenchServer } from './bench-server.ts';

export { repoRoot };

/** A running server and browser. */
export interface GuestBenchHost {
  /** `http://127.0.0.1:PORT`. */
  baseUrl: string;
  /** The browser. */
  browser: Browser;
  /** Closes the browser and stops the server. */
  close(): Promise<void>;
}

/** Starts Vite and Chromium (`QEDISK_CHROMIUM` or /usr/bin/chromium). */
export async function startGuestBenchHost(): Promise<GuestBenchHost> {
  const { baseUrl, server } = await startBenchServer();
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], headless: true });
  } catch (error) {
    await server.close();
    throw error;
  }
  return {
    baseUrl,
    browser,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}
