#!/usr/bin/env node
/**
 * Makes sure the demo's compressed qcow2 base, demo/assets/guest/base-rootfs.qcow2, is the shared
 * ext2 base written as a compressed qcow2 image by qedisk's own writer (scripts/base-qcow2.ts; no
 * qemu-img). Run after scripts/ensure-guest-assets.mjs, which builds the ext2 base.
 *
 * Usage: node scripts/ensure-base-qcow2.mjs [--force] [--strict]
 *   Without the ext2 base it only warns (exit 0), or with --strict exits 1.
 */
import { register } from 'tsx/esm/api';

register();
const { ensureBaseQcow2, BASE_QCOW2_FILE } = await import('./base-qcow2.ts');
const started = performance.now();
const outcome = ensureBaseQcow2({ force: process.argv.includes('--force') });
const seconds = ((performance.now() - started) / 1000).toFixed(1);
if (outcome === 'no ext2 base') {
  console.error(`ensure-base-qcow2: no ext2 base to make ${BASE_QCOW2_FILE} from (run scripts/ensure-guest-assets.mjs first); the demo goes on without it.`);
  if (process.argv.includes('--strict')) process.exitCode = 1;
} else {
  console.log(`ensure-base-qcow2: ${BASE_QCOW2_FILE} ${outcome} (${seconds} s)`);
}
