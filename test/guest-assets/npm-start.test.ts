/**
 * `npm start` on a copy of the checkout that has no guest files yet, with a PATH holding only
 * `node` and `npm` (no apt-get, bash, cpio, mke2fs, nasm, gzip...): it builds the guest files and
 * the shared base, and serves the demo. The copy shares the checkout's download cache, so this
 * costs the build, not the download. (That the guest then boots is the v86 browser specs' job.)
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_IMAGE_FILE, CACHE_ENV, MIRROR_ENV } from '../../scripts/guest-assets/config.ts';
import { GUEST_STAMP, REPO_ROOT, REQUIRED_GUEST_FILES } from '../../scripts/guest-assets/ensure.ts';

/** Top-level entries of the checkout not copied: build output, caches, the guest files, git. */
const NOT_COPIED = new Set(['.git', 'node_modules', 'dist', 'test-results', 'playwright-report', '.cache']);
/** Folders of node_modules not linked (Vite's dependency cache belongs to each checkout). */
const NOT_LINKED = new Set(['.vite', '.vite-temp', '.cache']);
const STARTUP_TIMEOUT_MS = 540_000;

let copy: string;
let bin: string;
let server: ChildProcess | undefined;
let output = '';
let port = 0;

/** A free TCP port on 127.0.0.1. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Polls `url` until it answers 200 or the server exits; returns the body. */
async function waitForPage(url: string): Promise<string> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server?.exitCode !== null) throw new Error(`npm start exited with ${server?.exitCode}:\n${output}`);
    const response = await fetch(url).catch(() => undefined);
    if (response?.ok) return response.text();
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`no page at ${url} after ${STARTUP_TIMEOUT_MS / 1000} s:\n${output}`);
}

beforeAll(async () => {
  copy = mkdtempSync(join(tmpdir(), 'qedisk-npm-start-'));
  for (const name of readdirSync(REPO_ROOT)) {
    if (!NOT_COPIED.has(name)) cpSync(join(REPO_ROOT, name), join(copy, name), { recursive: true, filter: (source) => !source.startsWith(join(REPO_ROOT, 'demo', 'assets', 'guest')) });
  }
  mkdirSync(join(copy, 'node_modules'));
  for (const name of readdirSync(join(REPO_ROOT, 'node_modules'))) {
    if (!NOT_LINKED.has(name)) symlinkSync(join(REPO_ROOT, 'node_modules', name), join(copy, 'node_modules', name));
  }
  // PATH: one folder holding node and npm, nothing else.
  bin = join(copy, '.only-node-and-npm');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  const npm = spawnSync('/bin/sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim();
  symlinkSync(realpathSync(npm), join(bin, 'npm'));
  port = await freePort();
});

afterAll(async () => {
  if (server?.pid !== undefined && server.exitCode === null) {
    process.kill(-server.pid, 'SIGTERM');
    await new Promise((resolve) => server?.once('exit', resolve));
  }
  rmSync(copy, { recursive: true, force: true });
});

describe('npm start with only node and npm on the PATH', () => {
  it('finds no other tool on that PATH', () => {
    const env = { PATH: bin };
    for (const tool of ['apt-get', 'bash', 'cpio', 'mke2fs', 'nasm', 'gzip', 'dpkg-deb', 'xz']) {
      expect(spawnSync('/bin/sh', ['-c', `command -v ${tool}`], { env }).status, tool).not.toBe(0);
    }
    expect(spawnSync('/bin/sh', ['-c', 'command -v node && command -v npm'], { env }).status).toBe(0);
    expect(existsSync(join(copy, 'demo', 'assets', 'guest'))).toBe(false);
  });

  it('builds the guest files and the shared base, and serves the demo page and the files', async () => {
    const env: NodeJS.ProcessEnv = {
      PATH: bin,
      HOME: copy,
      // npm runs scripts with `sh` looked up on the PATH; name the system's by its path instead,
      // so the PATH keeps only node and npm (on Windows npm uses cmd.exe).
      npm_config_script_shell: '/bin/sh',
      [CACHE_ENV]: process.env[CACHE_ENV] ?? join(REPO_ROOT, '.cache', 'guest-assets'),
      ...(process.env[MIRROR_ENV] ? { [MIRROR_ENV]: process.env[MIRROR_ENV] } : {}),
    };
    server = spawn('npm', ['start', '--', '--port', String(port)], { cwd: copy, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const page = await waitForPage(`http://127.0.0.1:${port}/`);
    expect(page).toContain('<html');
    const guest = join(copy, 'demo', 'assets', 'guest');
    for (const name of [...REQUIRED_GUEST_FILES, GUEST_STAMP]) expect(existsSync(join(guest, name)), `${name}\n${output}`).toBe(true);
    const sums = await (await fetch(`http://127.0.0.1:${port}/demo/assets/guest/sha256sums.txt`)).text();
    expect(sums).toBe(readFileSync(join(guest, 'sha256sums.txt'), 'utf8'));
    const kernel = await fetch(`http://127.0.0.1:${port}/demo/assets/guest/vmlinuz-686.bin`);
    expect(kernel.status).toBe(200);
    expect((await kernel.arrayBuffer()).byteLength).toBe(readFileSync(join(guest, 'vmlinuz-686.bin')).byteLength);
    expect(output).toContain('ensure-guest-assets: guest files built (7 written, 0 unchanged)');
    // The shared base too, written by qedisk's own ext2 code.
    expect(output).toContain(`ensure-guest-assets: ${BASE_IMAGE_FILE} built (1 written, 0 unchanged)`);
    const base = await fetch(`http://127.0.0.1:${port}/demo/assets/guest/${BASE_IMAGE_FILE}`, { headers: { range: 'bytes=1024-2047' } });
    expect(base.status).toBe(206);
    const superblock = new Uint8Array(await base.arrayBuffer());
    expect([superblock[56], superblock[57]]).toEqual([0x53, 0xef]); // the ext2 magic
    expect(readFileSync(join(guest, BASE_IMAGE_FILE)).byteLength).toBe(64 * 1024 * 1024);
  }, STARTUP_TIMEOUT_MS + 60_000);
});
