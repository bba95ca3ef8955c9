/**
 * The web server and browser of the guest benchmark: Vite serving the checkout on a free port of
 * 127.0.0.1 (no file watching, no hot reload, as for the browser tests), and Chromium launched
 * with Playwright's library API.
 */
import { createServer as createNetServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from '@playwright/test';
import { type ViteDevServer, createServer } from 'vite';

/** The checkout's root directory. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Chromium flags of the browser tests (`playwright.config.ts`). */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A running server and browser. */
export interface GuestBenchHost {
  /** `http://127.0.0.1:PORT`. */
  baseUrl: string;
  /** The browser. */
  browser: Browser;
  /** Closes the browser and stops the server. */
  close(): Promise<void>;
}

/** A TCP port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** Starts Vite and Chromium (`QEDISK_CHROMIUM` or /usr/bin/chromium). */
export async function startGuestBenchHost(): Promise<GuestBenchHost> {
  process.env['QEDISK_TEST_SERVER'] = '1';
  const port = await freePort();
  const server: ViteDevServer = await createServer({
    root: repoRoot,
    configFile: join(repoRoot, 'vite.config.ts'),
    logLevel: 'warn',
    server: { host: '127.0.0.1', port, strictPort: true, hmr: false, watch: null },
  });
  await server.listen();
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: process.env['QEDISK_CHROMIUM'] ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
  } catch (error) {
    await server.close();
    throw error;
  }
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    browser,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}
