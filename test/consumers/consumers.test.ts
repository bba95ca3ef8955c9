/**
 * qedisk as its users get it: `npm pack`, then the tarball installed into throwaway apps outside
 * the repository, each built the way such an app is built and, where it is a page, driven in
 * Chromium: a Vite app (dev server and production build), a webpack 5 production build, a page
 * with no bundler, a Node 20 script with the `qedisk` command, and a consumer's strict `tsc`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOL, diskCheck, makeApp, packTarball, runPage, scratchFolder, serveStatic, startServer } from './consumer-harness.ts';

const scratch = scratchFolder();
let tarball = '';
beforeAll(() => {
  tarball = packTarball(scratch.path);
}, 300_000);
afterAll(() => scratch.remove());

const EXPECTED_PAGE = { readBack: true, throughV86: true, size: 8 * 1024 * 1024 };

describe('the packed tarball', () => {
  it('holds the built package and nothing of the tests, benchmarks or demo', () => {
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
    expect(listing).toContain('package/dist/index.js');
    expect(listing).toContain('package/dist/disk-worker.js');
    expect(listing).toContain('package/dist/index.d.ts');
    expect(listing).toContain('package/dist/cli/qedisk.mjs');
    expect(listing).toContain('package/LICENSE');
    expect(listing.filter((path) => /^package\/(src|test|bench|demo|worker|scripts)\//.test(path))).toEqual([]);
    const unpacked = join(scratch.path, 'unpacked');
    mkdirSync(unpacked);
    execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);
    const built = listing.filter((path) => /\.(m?js)$/.test(path)).map((path) => readFileSync(join(unpacked, path), 'utf8')).join('\n');
    // Test and bench code plugs into the worker from test/ and bench/ only.
    for (const marker of ['QuotaLimitedFile', 'setQuotaLimit', 'RawBaseline', 'stackBenchControl', 'qediskTestControl', 'openMemoryDevice', 'fault-injection']) expect(built, marker).not.toContain(marker);
  });
});

/** Serves `app` with `vite ARGS` and expects its page at `url` to pass the disk check with no console errors. */
async function expectServedApp(app: string, viteArgs: string[], url: string): Promise<void> {
  const server = await startServer(app, TOOL.vite, viteArgs, /Local:/);
  try {
    const { result, errors } = await runPage(url);
    expect(errors).toEqual([]);
    expect(result).toEqual(EXPECTED_PAGE);
  } finally {
    server.stop();
  }
}

describe('consumer apps', () => {
  it('a Vite app works on the dev server', async () => {
    const app = makeApp(scratch.path, 'vite-dev', tarball, ['index.html', ['main.js', diskCheck('qedisk')]]);
    await expectServedApp(app, ['--port', '4291', '--strictPort', '--host', '127.0.0.1'], 'http://127.0.0.1:4291/');
  }, 300_000);

  it('a Vite app works as a production build (vite build, vite preview)', async () => {
    const app = makeApp(scratch.path, 'vite-build', tarball, ['index.html', ['main.js', diskCheck('qedisk')]]);
    execFileSync(process.execPath, [TOOL.vite, 'build'], { cwd: app, stdio: 'ignore' });
    await expectServedApp(app, ['preview', '--port', '4292', '--strictPort', '--host', '127.0.0.1'], 'http://127.0.0.1:4292/');
  }, 300_000);

  it('a webpack 5 app works as a production build', async () => {
    const app = makeApp(scratch.path, 'webpack', tarball, ['webpack.config.js', ['main.js', diskCheck('qedisk')]]);
    execFileSync(process.execPath, [TOOL.webpack, '--config', 'webpack.config.js'], { cwd: app, stdio: 'ignore', env: { ...process.env, NODE_PATH: join(TOOL.webpack, '..', '..', '..') } });
    execFileSync('cp', [join(app, '..', 'vite-build', 'index.html'), join(app, 'dist', 'index.html')]);
    const server = await serveStatic(join(app, 'dist'));
    try {
      const { result, errors } = await runPage(`${server.origin}/`);
      expect(errors).toEqual([]);
      expect(result).toEqual(EXPECTED_PAGE);
    } finally {
      await server.stop();
    }
  }, 300_000);

  it('a page with no bundler works with the files served as they are', async () => {
    const app = makeApp(scratch.path, 'plain', tarball, ['index.html', ['main.js', diskCheck('./node_modules/qedisk/dist/index.js')]]);
    const server = await serveStatic(app);
    try {
      const { result, errors } = await runPage(`${server.origin}/`);
      expect(errors).toEqual([]);
      expect(result).toEqual(EXPECTED_PAGE);
    } finally {
      await server.stop();
    }
  }, 300_000);

  it('a Node 20 script uses qedisk/node, and the qedisk command runs with plain node, no tsx', () => {
    const app = makeApp(scratch.path, 'node', tarball, ['node-check.mjs']);
    const output = execFileSync(process.execPath, ['node-check.mjs'], { cwd: app, encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual({ readBack: true, corruptions: 0, leaks: 0 });
    expect(execFileSync('ls', [join(app, 'node_modules')], { encoding: 'utf8' }).trim().split('\n')).toEqual(['qedisk']);
    const help = execFileSync('npx', ['--no-install', 'qedisk', '--help'], { cwd: app, encoding: 'utf8' });
    expect(help).toMatch(/^Usage: qedisk/m);
    const info = execFileSync('npx', ['--no-install', 'qedisk', 'info', '--json', 'disk.qed'], { cwd: app, encoding: 'utf8' });
    expect(JSON.parse(info)).toMatchObject({ virtualSize: 64 * 1024 * 1024 });
  }, 120_000);

  it('a consumer’s tsc accepts the declarations with strict, exactOptionalPropertyTypes, noUncheckedIndexedAccess and skipLibCheck off', () => {
    const strict = { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, skipLibCheck: false, noEmit: true };
    const page = { compilerOptions: { ...strict, lib: ['ES2022', 'DOM', 'DOM.Iterable'], types: [] }, files: ['page.ts'] };
    const node = { compilerOptions: { ...strict, lib: ['ES2022'], types: ['node'], typeRoots: [join(TOOL.tsc, '..', '..', '..', '@types')] }, files: ['node.ts'] };
    const app = makeApp(scratch.path, 'tsc', tarball, ['page.ts', 'node.ts', ['tsconfig.page.json', JSON.stringify(page)], ['tsconfig.node.json', JSON.stringify(node)]]);
    for (const project of ['tsconfig.page.json', 'tsconfig.node.json']) {
      expect(() => execFileSync(process.execPath, [TOOL.tsc, '-p', project], { cwd: app, encoding: 'utf8' }), project).not.toThrow();
    }
  }, 120_000);
});
