import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * Vite serves the demo (`index.html`, `demo/`) and the browser tests' pages. The demo imports
 * `qedisk` as an app does; here the names resolve to the sources (as `tsconfig.json`'s `paths`
 * do for the type check), so the dev server needs no build. The package's own build is
 * `vite.lib.config.ts`. Port 5173 is the demo's; the browser tests use 4173 (fixed: OPFS is per origin).
 */
/** Test servers (Playwright sets QEDISK_TEST_SERVER) neither watch files nor hot-reload pages mid-test. */
const testServer = process.env['QEDISK_TEST_SERVER'] === '1';

/** The package's entry names and the sources they stand for in this repository. */
const source = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^qedisk$/, replacement: source('./src/index.ts') },
      { find: /^qedisk\/engine$/, replacement: source('./src/engine/index.ts') },
      { find: /^qedisk\/node$/, replacement: source('./src/node.ts') },
    ],
  },
  server: { host: '127.0.0.1', port: 5173, strictPort: true, ...(testServer ? { hmr: false, watch: null } : {}) },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['v86'] },
  build: { target: 'es2022', sourcemap: true },
});
