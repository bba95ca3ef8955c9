#!/usr/bin/env node
/**
 * Makes sure the demo's shared base root file system is in demo/assets/guest/base-rootfs.ext2,
 * building it with Node alone (scripts/guest-assets/) when it is missing or its recipe changed
 * (the recipe's hash is kept in base-rootfs.recipe beside it). A rebuild that gives the same bytes
 * leaves the file as it is; one that gives other bytes replaces it, and overlays in browsers notice
 * (its HTTP validators change) and refuse to mix it in.
 *
 * Usage: node scripts/ensure-base-rootfs.mjs [--strict] [--force]
 *   Without --strict a failed build only warns; with --strict it exits 1.
 */
import { register } from 'tsx/esm/api';

register();
const { runEnsure } = await import('./guest-assets/cli.ts');
process.exitCode = await runEnsure('base', process.argv.slice(2));
