import { defineConfig } from 'vite';

/**
 * Vite serves the demo (`index.html`, `demo/`) and builds the library. The worker is an ES module
 * worker. Port 5173 is the demo's; the browser tests use 4173 (fixed: OPFS is per origin).
 */
/** Test servers (Playwright sets QEDISK_TEST_SERVER) neither watch files nor hot-reload pages mid-test. */
const testServer = process.env['QEDISK_TEST_SERVER'] === '1';

export default defineConfig({
  server: { host: '127.0.0.1', port: 5173, strictPort: true, ...(testServer ? { hmr: false, watch: null } : {}) },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['v86'] },
  build: { target: 'es2022', sourcemap: true },
});
