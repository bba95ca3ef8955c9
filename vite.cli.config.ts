import { defineConfig } from 'vite';

/**
 * Bundles the `qedisk` command into one Node ES module (`dist/cli/qedisk.mjs`) so it starts in
 * tens of milliseconds; `bin/qedisk` uses the bundle while it is newer than every source file and
 * otherwise runs the TypeScript sources through tsx. Built by `npm run build:cli` (and `prepare`).
 */
export default defineConfig({
  build: {
    ssr: 'src/cli/main.ts',
    outDir: 'dist/cli',
    emptyOutDir: true,
    target: 'node20',
    sourcemap: true,
    rollupOptions: { output: { entryFileNames: 'qedisk.mjs' } },
  },
  logLevel: 'warn',
});
