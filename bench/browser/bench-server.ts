/**
 * What the browser benchmarks share: the checkout's root, the Chromium and Firefox the browser
 * tests drive, and a Vite dev server on a free port of 127.0.0.1 with no file watching and no hot reload
 * (`QEDISK_TEST_SERVER=1`, as for the tests).
 */
import { createServer as createNetServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LaunchOptions } from '@playwright/test';
import { type Plugin, type ViteDevServer, createServer } from 'vite';
import { FIREFOX_SHIM_PATH } from '../../test/support/firefox.ts';

/** The checkout's root directory. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../test/support/chromium.ts';

/**
 * Playwright launch options of the Firefox the benchmarks drive, as the browser tests do: Debian's
 * firefox-esr (or `QEDISK_FIREFOX`) behind the tests' WebDriver BiDi shim, headless.
 */
export const FIREFOX_LAUNCH: LaunchOptions = {
  executablePath: FIREFOX_SHIM_PATH,
  channel: 'moz-firefox',
  headless: true,
};

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

/** A running dev server. */
export interface BenchServer {
  /** `http://127.0.0.1:PORT`. */
  baseUrl: string;
  /** The Vite server (close it when done). */
  server: ViteDevServer;
}

/** Options of `startBenchServer`. */
export interface BenchServerOptions {
  /**
   * Answer 404 for every boot prefetch manifest (`*.manifest.json`), so a base is fetched only as
   * the guest reads it, whatever manifests earlier runs recorded. Default false.
   */
  hideManifests?: boolean;
}

/** A Vite plugin answering 404 for `*.manifest.json` ahead of Vite's own file serving. */
function hideManifestsPlugin(): Plugin {
  return {
    name: 'qedisk-bench-hide-manifests',
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        if (!new URL(request.url ?? '/', 'http://x').pathname.endsWith('.manifest.json')) return next();
        response.statusCode = 404;
        response.end('hidden by the benchmark');
      });
    },
  };
}

/** Starts Vite over the checkout on a free port, sending `headers` with every response. */
export async function startBenchServer(headers: Record<string, string> = {}, options: BenchServerOptions = {}): Promise<BenchServer> {
  process.env['QEDISK_TEST_SERVER'] = '1';
  const port = await freePort();
  const server = await createServer({
    root: repoRoot,
    configFile: join(repoRoot, 'vite.config.ts'),
    logLevel: 'warn',
    plugins: options.hideManifests ? [hideManifestsPlugin()] : [],
    server: { host: '127.0.0.1', port, strictPort: true, hmr: false, watch: null, headers },
  });
  await server.listen();
  return { baseUrl: `http://127.0.0.1:${port}`, server };
}
