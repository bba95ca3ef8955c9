#!/usr/bin/env node
/**
 * Makes sure the guest files the demo and the v86 browser tests boot are in demo/assets/guest/,
 * and builds them with scripts/build-guest-assets.sh when one is missing or the recipe changed
 * (the recipe's hash is kept in RECIPE_SHA256 beside them). Then makes sure of the shared base
 * root file system beside them (scripts/ensure-base-rootfs.mjs, with its own recipe stamp, so a
 * change to the guest does not rebuild the base that overlays in browsers read through).
 *
 * Usage: node scripts/ensure-guest-assets.mjs [--strict]
 *   Without --strict a failed build only warns (the demo still starts, without a guest to boot);
 *   with --strict it exits 1 (the tests use this).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBaseRootfs } from './ensure-base-rootfs.mjs';

const scriptsDir = dirname(fileURLToPath(import.meta.url));
const outDir = join(scriptsDir, '..', 'demo', 'assets', 'guest');
const strict = process.argv.includes('--strict');

/** The files the build writes; all must be there. */
const REQUIRED = ['seabios.bin', 'vgabios.bin', 'vmlinuz-686.bin', 'initramfs.cpio.gz', 'boot-sector-test.bin', 'sha256sums.txt'];
/** The sources whose content decides what the build produces. */
const RECIPE = ['build-guest-assets.sh', 'guest-init.sh', 'boot-sector-test.asm'];

function recipeHash() {
  const hash = createHash('sha256');
  for (const name of RECIPE) hash.update(readFileSync(join(scriptsDir, name)));
  return hash.digest('hex');
}

function upToDate(hash) {
  if (REQUIRED.some((name) => !existsSync(join(outDir, name)))) return false;
  const stampPath = join(outDir, 'RECIPE_SHA256');
  return existsSync(stampPath) && readFileSync(stampPath, 'utf8').trim() === hash;
}

function fail(message) {
  console.error(`\nensure-guest-assets: ${message}`);
  console.error(
    'ensure-guest-assets: the guest is built from Debian packages (i386 kernel, busybox-static, seabios, vgabios).\n' +
      '  It needs apt-get (as root), dpkg, cpio, gzip and nasm: on Debian run\n' +
      '    sudo apt-get install -y nasm cpio && sudo scripts/build-guest-assets.sh\n',
  );
  if (strict) process.exit(1);
  console.error('ensure-guest-assets: going on without a guest: the demo cannot boot a VM.\n');
  process.exit(0);
}

const hash = recipeHash();
if (upToDate(hash)) {
  console.log(`ensure-guest-assets: guest files are ready in ${outDir}`);
  ensureBaseRootfs({ strict });
  process.exit(0);
}

console.log('ensure-guest-assets: building the guest files from Debian packages...');
const started = performance.now();
const build = spawnSync('bash', [join(scriptsDir, 'build-guest-assets.sh'), outDir], { stdio: 'inherit' });
const seconds = ((performance.now() - started) / 1000).toFixed(1);
if (build.error) fail(`could not run the build script: ${build.error.message}`);
if (build.status !== 0) {
  const who = typeof process.getuid === 'function' && process.getuid() !== 0 ? ' (not running as root)' : '';
  fail(`the build failed with exit code ${build.status}${who} after ${seconds} s`);
}
const missing = REQUIRED.filter((name) => !existsSync(join(outDir, name)));
if (missing.length > 0) fail(`the build did not produce ${missing.join(', ')}`);
writeFileSync(join(outDir, 'RECIPE_SHA256'), `${hash}\n`);
console.log(`ensure-guest-assets: built the guest files in ${seconds} s`);
ensureBaseRootfs({ strict });
