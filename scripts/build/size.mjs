#!/usr/bin/env node
/**
 * `npm run size`: what installing and loading qedisk costs. Packs the package as built (run `npm run
 * build`) and reports the tarball's file count and size, then builds the page entry and the disk
 * worker minified into a temporary folder and reports each one's minified and gzipped size (the
 * page entry with the chunks it imports at load; the engine chunk behind `openMemoryDisk` is
 * loaded only when that is called, and reported apart). `--json` prints the figures as JSON.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, loadConfigFromFile, mergeConfig } from 'vite';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'qedisk-size-'));
try {
  const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))[0];
  const loaded = await loadConfigFromFile({ command: 'build', mode: 'production' }, join(root, 'vite.lib.config.ts'), root);
  const outDir = join(scratch, 'min');
  await build(mergeConfig(loaded.config, { root, configFile: false, logLevel: 'silent', build: { outDir, minify: true, sourcemap: false, emptyOutDir: true } }));
  const bytes = (file) => readFileSync(join(outDir, file));
  /** A module and the chunks it imports statically, followed transitively. */
  const staticClosure = (file, seen = new Set()) => {
    if (seen.has(file)) return seen;
    seen.add(file);
    for (const [, imported] of bytes(file).toString('utf8').matchAll(/(?:import|export)[^'"()]*?from\s*["'](\.\/[^"']+)["']/g)) {
      staticClosure(join(dirname(file), imported).replace(/^\.\//, ''), seen);
    }
    return seen;
  };
  const measure = (files) => {
    const all = Buffer.concat([...files].map(bytes));
    return { files: [...files], minifiedBytes: all.byteLength, gzippedBytes: gzipSync(all, { level: 9 }).byteLength };
  };
  const lazy = readdirSync(join(outDir, 'chunks')).filter((name) => name.startsWith('qed-image')).map((name) => `chunks/${name}`);
  const figures = {
    tarball: { file: packed.filename, entryCount: packed.entryCount, bytes: packed.size, unpackedBytes: packed.unpackedSize },
    pageEntry: measure(staticClosure('index.js')),
    diskWorker: measure(staticClosure('disk-worker.js')),
    memoryDiskEngine: measure(new Set(lazy)),
  };
  if (process.argv.includes('--json')) console.log(JSON.stringify(figures, null, 2));
  else {
    const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
    console.log(`tarball ${figures.tarball.file}: ${figures.tarball.entryCount} files, ${kib(figures.tarball.bytes)} (${kib(figures.tarball.unpackedBytes)} unpacked)`);
    for (const [name, part] of [['page entry (qedisk)', figures.pageEntry], ['disk worker', figures.diskWorker], ['engine for openMemoryDisk (loaded on use)', figures.memoryDiskEngine]]) {
      console.log(`${name}: ${kib(part.minifiedBytes)} minified, ${kib(part.gzippedBytes)} gzipped`);
    }
    console.log(`page entry + worker: ${kib(figures.pageEntry.gzippedBytes + figures.diskWorker.gzippedBytes)} gzipped`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
