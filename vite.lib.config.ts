import { type Plugin, defineConfig } from 'vite';

/** What Vite renders for the page entry's `new Worker(new URL(...))` when it builds the worker beside it. */
const RENDERED_WORKER_URL = /new URL\(\s*\/\* @vite-ignore \*\/\s*new URL\("disk-worker\.js", import\.meta\.url\)\.href,\s*"" \+ import\.meta\.url\s*\)/;

/**
 * Puts the worker reference in `dist/index.js` in the one form every bundler recognises,
 * `new URL("./disk-worker.js", import.meta.url)` (webpack 5 and Vite then bundle the worker;
 * a page without a bundler loads the file beside the module), keeping the line count so the
 * source map stays right. Fails the build if Vite renders the reference differently.
 */
function canonicalWorkerUrl(): Plugin {
  return {
    name: 'qedisk:canonical-worker-url',
    enforce: 'post',
    renderChunk(code, chunk) {
      if (chunk.fileName !== 'index.js') return null;
      const match = RENDERED_WORKER_URL.exec(code);
      if (!match) throw new Error('qedisk build: the disk worker reference in index.js is not in the expected form');
      const lineBreaks = '\n'.repeat(match[0].split('\n').length - 1);
      return { code: code.replace(RENDERED_WORKER_URL, `new URL("./disk-worker.js", import.meta.url)${lineBreaks}`), map: null };
    },
  };
}

/**
 * The package build (`npm run build`): ES modules for each entry in `dist/` with source maps, and
 * the disk worker as its own module, `dist/disk-worker.js`, which the page entry finds with
 * `new URL('./disk-worker.js', import.meta.url)`. Comlink and idb-keyval are bundled in, so the
 * files work in a page with no bundler and no import map; Node's built-ins stay imports.
 * Declarations come from `tsc` and API Extractor (`scripts/build/`).
 */
export default defineConfig({
  plugins: [canonicalWorkerUrl()],
  publicDir: false,
  base: './',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2022',
    sourcemap: true,
    minify: false,
    lib: {
      entry: { index: 'src/index.ts', engine: 'src/engine/index.ts', node: 'src/node.ts' },
      formats: ['es'],
    },
    rollupOptions: {
      external: [/^node:/],
      output: { chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
  worker: {
    format: 'es',
    rollupOptions: { output: { entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' } },
  },
});
