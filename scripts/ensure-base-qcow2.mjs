#!/usr/bin/env node
/**
 * Makes sure the demo's compressed qcow2 bases are their ext2 bases written as compressed qcow2
 * images by qedisk's own writer (scripts/base-qcow2.ts; no qemu-img): base-rootfs.qcow2 from the
 * shared base, and python-rootfs.qcow2 from the Python base when that has been built (new Python
 * disks of the demo use it, and the network benchmark boots from it). Run after
 * scripts/ensure-guest-assets.mjs, which builds the ext2 bases.
 *
 * Usage: node scripts/ensure-base-qcow2.mjs [--python] [--force] [--strict]
 *   Without the shared ext2 base it only warns (exit 0), or with --strict exits 1; likewise
 *   without the Python base when --python asks for it (otherwise that one is skipped quietly).
 */
import { register } from 'tsx/esm/api';

register();
const { ensureBaseQcow2, BUSYBOX_QCOW2_BASE, PYTHON_QCOW2_BASE } = await import('./base-qcow2.ts');
const force = process.argv.includes('--force');
const pythonRequired = process.argv.includes('--python');
for (const base of [BUSYBOX_QCOW2_BASE, PYTHON_QCOW2_BASE]) {
  const started = performance.now();
  const outcome = ensureBaseQcow2({ force, base });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (outcome !== 'no ext2 base') console.log(`ensure-base-qcow2: ${base.qcow2} ${outcome} (${seconds} s)`);
  else if (base !== PYTHON_QCOW2_BASE || pythonRequired) {
    const builder = base === PYTHON_QCOW2_BASE ? 'scripts/ensure-guest-assets.mjs --python' : 'scripts/ensure-guest-assets.mjs';
    console.error(`ensure-base-qcow2: no ext2 base to make ${base.qcow2} from (run ${builder} first); the demo goes on without it.`);
    if (process.argv.includes('--strict')) process.exitCode = 1;
  }
}
