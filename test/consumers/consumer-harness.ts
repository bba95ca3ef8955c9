/**
 * Throwaway consumer apps for qedisk's packed tarball: each lives in a temporary folder outside
 * the repository, gets the tarball installed with npm (no network: qedisk has no dependencies),
 * and is built with the repository's own copies of the tools (vite, webpack, tsc). Pages are
 * served by a small static server and driven in Debian's Chromium.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/chromium.ts';

/** The repository's root folder. */
export const REPO = fileURLToPath(new URL('../..', import.meta.url));
const APPS = fileURLToPath(new URL('./apps', import.meta.url));
/** A repository tool, run with this Node. */
export const TOOL = {
  vite: join(REPO, 'node_modules', 'vite', 'bin', 'vite.js'),
  webpack: join(REPO, 'node_modules', 'webpack-cli', 'bin', 'cli.js'),
  tsc: join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'),
};

/** Newest modification time (ms) below `path`. */
function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/**
 * Packs qedisk into `folder` and returns the tarball's path: builds first when dist/ is missing
 * or older than any source, then `npm pack` without scripts (the build is what prepack runs).
 */
export function packTarball(folder: string): string {
  const built = existsSync(join(REPO, 'dist', 'index.js')) ? newest(join(REPO, 'dist')) : 0;
  if (built < Math.max(newest(join(REPO, 'src')), newest(join(REPO, 'worker')))) execFileSync('npm', ['run', 'build'], { cwd: REPO, stdio: 'ignore' });
  const output = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', folder], { cwd: REPO, encoding: 'utf8' });
  const [packed] = JSON.parse(output) as Array<{ filename: string; entryCount: number; size: number }>;
  if (!packed) throw new Error('npm pack reported nothing');
  return join(folder, packed.filename);
}

/** A consumer app in a new folder under `parent`, with `files` (names in apps/, or [target, contents]) and the tarball installed. */
export function makeApp(parent: string, name: string, tarball: string, files: Array<string | [string, string]>, packageType: 'module' | 'commonjs' = 'module'): string {
  const folder = join(parent, name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'package.json'), JSON.stringify({ name, private: true, type: packageType }));
  for (const file of files) {
    if (typeof file === 'string') cpSync(join(APPS, file), join(folder, file));
    else writeFileSync(join(folder, file[0]), file[1]);
  }
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], { cwd: folder, stdio: 'ignore' });
  return folder;
}

/** apps/disk-check.js with qedisk imported from `specifier`. */
export function diskCheck(specifier: string): string {
  return readFileSync(join(APPS, 'disk-check.js'), 'utf8').replace("'QEDISK_IMPORT'", `'${specifier}'`);
}

/** A fresh temporary folder outside the repository. */
export function scratchFolder(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'qedisk-consumers-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.map': 'application/json' };

/** Serves the files of `root` on 127.0.0.1 at a free port; resolves with its origin and a stop function. */
export async function serveStatic(root: string): Promise<{ origin: string; stop: () => Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://local').pathname)).replace(/^[/\\]+/, '');
    const file = join(root, path === '' ? 'index.html' : path);
    if (!file.startsWith(root) || !existsSync(file) || statSync(file).isDirectory()) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return { origin: `http://127.0.0.1:${address.port}`, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Starts `node script args` in `cwd` and resolves once `ready` appears in its output. */
export async function startServer(cwd: string, script: string, args: string[], ready: RegExp): Promise<{ stop: () => void }> {
  // No colours: with CI set, Vite colours its output, and escape codes would split the ready line.
  const child: ChildProcess = spawn(process.execPath, [script, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString().replace(/\x1b\[[0-9;]*m/g, '');
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  return {
    stop: () => {
      child.kill();
      setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), 5000).unref();
    },
  };
}

/** What a consumer page reports. */
export type PageResult = { readBack: boolean; throughV86: boolean; size: number } | { error: string } | 'timeout';

/** Opens `url` in a fresh headless Chromium profile and returns the page's `window.result`, with its console errors. */
export async function runPage(url: string): Promise<{ result: PageResult; errors: string[] }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS],
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url);
    await page.waitForFunction(() => 'result' in window, undefined, { timeout: 120_000 }); // a dev server's first load transforms everything: slow on a busy machine
    const result = await page.evaluate(() => Promise.race([Reflect.get(window, 'result') as Promise<unknown>, new Promise((resolve) => setTimeout(() => resolve('timeout'), 60_000))]));
    return { result: result as PageResult, errors };
  } finally {
    await browser.close();
  }
}
