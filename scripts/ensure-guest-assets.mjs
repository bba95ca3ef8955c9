#!/usr/bin/env node
/**
 * Makes sure the guest files the demo and the v86 browser tests boot are in demo/assets/guest/,
 * and the shared base root file system beside them, building what is missing or out of date from
 * Debian packages with Node alone (scripts/guest-assets/: download, checks, .deb unpacking, cpio,
 * ext2). Each part has its own recipe stamp, so a change to the guest does not touch the base that
 * overlays in browsers read through.
 *
 * Usage: node scripts/ensure-guest-assets.mjs [--strict] [--force] [--python]
 *   --python also builds the Python sandbox base (python-rootfs.ext2; about 14 MB more to download).
 *   Without --strict a failed build only warns (the demo still starts, without a guest to boot);
 *   with --strict it exits 1 (the tests use this). --force builds even what is up to date.
 * Environment: QEDISK_DEBIAN_MIRROR (default http://deb.debian.org/debian),
 *   QEDISK_GUEST_CACHE (download cache, default .cache/guest-assets).
 */
import { register } from 'tsx/esm/api';

register();
const { runEnsure } = await import('./guest-assets/cli.ts');
process.exitCode = await runEnsure('all', process.argv.slice(2));
