#!/usr/bin/env node
/**
 * Makes sure the demo's shared base root file system is in demo/assets/guest/base-rootfs.ext2,
 * building it with scripts/build-base-rootfs.sh when it is missing or the script changed (the
 * script's hash is kept in base-rootfs.recipe beside it). It is not rebuilt otherwise: overlays in
 * browsers notice a rebuilt base (its HTTP validators change) and refuse to mix it in.
 *
 * Usage: node scripts/ensure-base-rootfs.mjs [--strict]
 *   Without --strict a failed build only warns (the demo starts without a shared base);
 *   with --strict it exits 1 (the tests use this). Also importable: `ensureBaseRootfs({ strict })`.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const scriptsDir = dirname(fileURLToPath(import.meta.url));
/** The image, and the stamp holding the hash of the recipe it was built from. */
export const BASE_ROOTFS_PATH = join(scriptsDir, '..', 'demo', 'assets', 'guest', 'base-rootfs.ext2');
const stampPath = `${BASE_ROOTFS_PATH.replace(/\.ext2$/, '')}.recipe`;

function recipeHash() {
  return createHash('sha256').update(readFileSync(join(scriptsDir, 'build-base-rootfs.sh'))).digest('hex');
}

/**
 * Builds the base image unless it is there and up to date. Returns true when it is ready. On a
 * failure, exits 1 with `strict`, else warns and returns false.
 * @param {{ strict?: boolean }} [options]
 * @returns {boolean}
 */
export function ensureBaseRootfs(options = {}) {
  const hash = recipeHash();
  if (existsSync(BASE_ROOTFS_PATH) && existsSync(stampPath) && readFileSync(stampPath, 'utf8').trim() === hash) {
    console.log(`ensure-base-rootfs: the shared base is ready in ${BASE_ROOTFS_PATH}`);
    return true;
  }
  console.log('ensure-base-rootfs: building the shared base root file system from Debian packages...');
  const started = performance.now();
  const build = spawnSync('bash', [join(scriptsDir, 'build-base-rootfs.sh'), BASE_ROOTFS_PATH], { stdio: 'inherit' });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (build.error || build.status !== 0 || !existsSync(BASE_ROOTFS_PATH)) {
    const why = build.error ? build.error.message : `exit code ${build.status}`;
    console.error(`\nensure-base-rootfs: the build failed (${why}) after ${seconds} s.`);
    console.error('  It needs apt-get (as root), dpkg-deb and mke2fs: on Debian run sudo scripts/build-base-rootfs.sh\n');
    if (options.strict) process.exit(1);
    console.error('ensure-base-rootfs: going on without a shared base: the demo cannot make disks from it.\n');
    return false;
  }
  writeFileSync(stampPath, `${hash}\n`);
  console.log(`ensure-base-rootfs: built the shared base in ${seconds} s`);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  ensureBaseRootfs({ strict: process.argv.includes('--strict') });
}
