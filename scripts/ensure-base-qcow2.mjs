#!/usr/bin/env node
/**
 * Makes sure the demo's compressed qcow2 base, demo/assets/guest/base-rootfs.qcow2, is the shared
 * ext2 base written as a compressed qcow2 image by qedisk's own writer (scripts/base-qcow2.ts; no
 * qemu-img); with --python, python-rootfs.qcow2 likewise from the Python base (the network
 * benchmark boots from it). Run after scripts/ensure-guest-assets.mjs, which builds the ext2 bases.
 *
 * Usage: node scripts/ensure-base-qcow2.mjs [--python] [--force] [--strict]
 *   Without an ext2 base it only warns (exit 0), or with --strict exits 1.
 */
import { register } from 'tsx/esm/api';

register();
const { ensureBaseQcow2, BUSYBOX_QCOW2_BASE, PYTHON_QCOW2_BASE } = await import('./base-qcow2.ts');
const force = process.argv.includes('--force');
const bases = process.argv.includes('--python') ? [BUSYBOX_QCOW2_BASE, PYTHON_QCOW2_BASE] : [BUSYBOX_QCOW2_BASE];
for (const base of bases) {
  const started = performance.now();
  const outcome = ensureBaseQcow2({ force, base });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (outcome !== 'no ext2 base') console.log(`ensure-base-qcow2: ${base.qcow2} ${outcome} (${seconds} s)`);
  else {
    const builder = base === PYTHON_QCOW2_BASE ? 'scripts/ensure-guest-assets.mjs --python' : 'scripts/ensure-guest-assets.mjs';
    console.error(`ensure-base-qcow2: no ext2 base to make ${base.qcow2} from (run ${builder} first); the demo goes on without it.`);
    if (process.argv.includes('--strict')) process.exitCode = 1;
  }
}
