import { defineConfig } from 'vite';

/**
 * Bundles the `qedisk` command into one Node ES module (`dist/cli/qedisk.mjs`), with every library
 * it uses inside, so the installed command runs with plain `node` and starts in tens of
 * milliseconds. Part of `npm run build`; `bin/qedisk` runs it.
 */
export default defineConfig({
  publicDir: false,
  ssr: { noExternal: true },
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
