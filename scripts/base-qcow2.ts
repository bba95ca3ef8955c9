/**
 * The demo's compressed qcow2 bases: `demo/assets/guest/base-rootfs.qcow2`, the shared base
 * `base-rootfs.ext2` written as a qcow2 image (version 3) whose clusters are each deflated, by
 * qedisk's own `writeQcow2` (no qemu-img), and likewise `python-rootfs.qcow2` from the Python
 * base when that has been built. Overlays on them over HTTP fetch only the compressed clusters
 * the guest reads. Each is rebuilt only when its ext2 base or the writer changed (the recipe's
 * hash is kept in `<name>.qcow2.recipe` beside it); a rebuild that gives the same bytes
 * leaves the file as it is, so its HTTP validators (the dev server's ETag follows the
 * modification time) stay valid for the overlays that read through it. Deterministic: fflate's
 * pure-JavaScript deflate gives the same bytes on every machine.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryFile } from '../src/backends/memory-file.ts';
import { RawReader, writeQcow2 } from '../src/formats/index.ts';

/** The checkout this file lives in. */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** A compressed base: the raw ext2 image it is made from, the file it makes and its recipe stamp, in the guest folder. */
export interface CompressedBaseFiles {
  /** The raw ext2 base. */
  ext2: string;
  /** The compressed qcow2 image made from it. */
  qcow2: string;
  /** The recipe stamp beside it. */
  stamp: string;
}

/** The shared (busybox) base. */
export const BUSYBOX_QCOW2_BASE: CompressedBaseFiles = { ext2: 'base-rootfs.ext2', qcow2: 'base-rootfs.qcow2', stamp: 'base-rootfs.qcow2.recipe' };
/** The Python sandbox base (its ext2 image is built only on request: `ensure-guest-assets.mjs --python`). */
export const PYTHON_QCOW2_BASE: CompressedBaseFiles = { ext2: 'python-rootfs.ext2', qcow2: 'python-rootfs.qcow2', stamp: 'python-rootfs.qcow2.recipe' };
/** The shared base's files, by their former names. */
export const BASE_EXT2_FILE = BUSYBOX_QCOW2_BASE.ext2;
export const BASE_QCOW2_FILE = BUSYBOX_QCOW2_BASE.qcow2;
/** Bytes per qcow2 cluster (QEMU's default). */
export const BASE_QCOW2_CLUSTER_BYTES = 64 * 1024;
/** Sources whose change changes the file (besides the ext2 base), relative to the checkout. */
const RECIPE = ['scripts/base-qcow2.ts', 'src/formats/qcow2', 'src/formats/codec/bytes.ts', 'src/formats/image-reader.ts', 'src/formats/ranges.ts', 'node_modules/fflate/package.json'];

/** What `ensureBaseQcow2` did. */
export type BaseQcow2Outcome = 'up to date' | 'written' | 'unchanged' | 'no ext2 base';

/** Options of `ensureBaseQcow2`. */
export interface BaseQcow2Options {
  /** The guest folder (default `demo/assets/guest` of this checkout). */
  guestDir?: string;
  /** Build even when the stamp says the file is up to date. */
  force?: boolean;
  /** Which base (default the shared busybox base). */
  base?: CompressedBaseFiles;
}

/** SHA-256 of `data`, hex. */
const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

/** The files under `path` (a file or a folder), sorted, as paths relative to the checkout. */
function recipeFiles(path: string): string[] {
  const full = join(REPO_ROOT, path);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full).sort().flatMap((name) => recipeFiles(join(path, name)));
}

/** The hash that decides whether the qcow2 base must be rebuilt: the ext2 base's bytes and the recipe's sources. */
function recipeHash(ext2: Uint8Array): string {
  const parts = [`ext2 ${sha256(ext2)}`, `cluster ${BASE_QCOW2_CLUSTER_BYTES}`];
  for (const file of RECIPE.flatMap(recipeFiles)) parts.push(`${file} ${sha256(readFileSync(join(REPO_ROOT, file)))}`);
  return sha256(parts.join('\n'));
}

/** The compressed qcow2 image of the raw disk `ext2`. */
export function buildBaseQcow2(ext2: Uint8Array): Uint8Array {
  const out = new MemoryFile();
  writeQcow2(new RawReader(new MemoryFile(ext2)), out, { compressed: true, clusterSize: BASE_QCOW2_CLUSTER_BYTES });
  return out.snapshot();
}

/**
 * Makes sure the base's qcow2 file in the guest folder (`base-rootfs.qcow2` by default) is the
 * compressed image of its ext2 base there. Returns what it did; `no ext2 base` when there is none
 * to make it from (nothing done).
 */
export function ensureBaseQcow2(options: BaseQcow2Options = {}): BaseQcow2Outcome {
  const guestDir = options.guestDir ?? join(REPO_ROOT, 'demo', 'assets', 'guest');
  const base = options.base ?? BUSYBOX_QCOW2_BASE;
  const ext2Path = join(guestDir, base.ext2);
  const qcow2Path = join(guestDir, base.qcow2);
  const stampPath = join(guestDir, base.stamp);
  if (!existsSync(ext2Path)) return 'no ext2 base';
  const ext2 = readFileSync(ext2Path);
  const recipe = recipeHash(ext2);
  const stamp = existsSync(stampPath) ? readFileSync(stampPath, 'utf8').trim() : '';
  if (!options.force && stamp === recipe && existsSync(qcow2Path)) return 'up to date';
  const image = buildBaseQcow2(ext2);
  rmSync(stampPath, { force: true });
  let outcome: BaseQcow2Outcome = 'unchanged';
  if (!existsSync(qcow2Path) || sha256(readFileSync(qcow2Path)) !== sha256(image)) {
    const staging = `${qcow2Path}.${process.pid}.partial`;
    writeFileSync(staging, image);
    renameSync(staging, qcow2Path);
    outcome = 'written';
  }
  writeFileSync(stampPath, `${recipe}\n`);
  return outcome;
}
