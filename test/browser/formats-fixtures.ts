/**
 * Node-side fixtures of the formats-* specs: a grid of disk images made at test time by
 * `qemu-img`/`qemu-io` from one raw source, each with QEMU's own reading of it
 * (`qemu-img convert -O raw`) as the oracle. The images are written under
 * `test/browser/fixtures/wN/` (served by the Vite dev server), so pages fetch them as the user's
 * files would arrive: as `Blob`s.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeFixture, writeFixture } from './harness/base-fixtures.ts';

const MIB = 1024 * 1024;
/** Cluster size of the QED disks the page makes (the import's default). */
export const QED_CLUSTER_BYTES = 64 * 1024;

/** One image of the grid, as the page sees it. */
export interface GridImage {
  /** A short label (also the disk name). */
  label: string;
  /** URL path of the image file on the dev server. */
  url: string;
  /** URL path of QEMU's raw reading of it. */
  rawUrl: string;
  /** Length of the image file in bytes. */
  fileBytes: number;
  /** Virtual size in bytes, as QEMU reads it. */
  virtualSize: number;
  /** 64 KiB clusters of QEMU's raw reading that hold a non-zero byte. */
  dataClusters: number;
  /** The format `ImportResult.source` should name. */
  source: string;
  /**
   * For formats that allocate in units of at most 1 MiB: the bytes of those units (at least
   * 64 KiB, the QED cluster) that hold data in QEMU's reading. A conversion that reads only what
   * the format says may hold data reads no more than this. Null for the others.
   */
  maxDataBytes: number | null;
}

/** How one grid image is made from the raw source `src` (a path) into `out` (a path). */
interface Recipe {
  label: string;
  source: string;
  /** The format's allocation unit in bytes (at least 64 KiB), when at most 1 MiB. */
  unit?: number;
  make(src: string, out: string): void;
}

const qemuImg = (...args: string[]): void => void execFileSync('qemu-img', args, { stdio: ['ignore', 'ignore', 'pipe'] });
const qemuIo = (format: string, path: string, ...commands: string[]): void =>
  void execFileSync('qemu-io', ['-f', format, ...commands.flatMap((command) => ['-c', command]), path], { stdio: ['ignore', 'ignore', 'pipe'] });
const convert = (format: string, options: string[] = []) => (src: string, out: string): void => qemuImg('convert', '-f', 'raw', '-O', format, ...options, src, out);

/** The grid: qcow2 in its variants, VMDK, VHD, VHDX, VDI, QED and raw. */
const RECIPES: readonly Recipe[] = [
  { label: 'qcow2-v2', unit: 64 * 1024, source: 'qcow2', make: convert('qcow2', ['-o', 'compat=0.10']) },
  { label: 'qcow2-v3-512', unit: 64 * 1024, source: 'qcow2', make: convert('qcow2', ['-o', 'compat=1.1,cluster_size=512']) },
  { label: 'qcow2-v3-2m', source: 'qcow2', make: convert('qcow2', ['-o', 'cluster_size=2M']) },
  { label: 'qcow2-zlib', unit: 64 * 1024, source: 'qcow2', make: convert('qcow2', ['-c', '-o', 'compression_type=zlib']) },
  { label: 'qcow2-zstd', unit: 64 * 1024, source: 'qcow2', make: convert('qcow2', ['-c', '-o', 'compression_type=zstd']) },
  {
    label: 'qcow2-extl2',
    unit: 128 * 1024,
    source: 'qcow2',
    make: (src, out) => {
      convert('qcow2', ['-o', 'extended_l2=on,cluster_size=128K'])(src, out);
      // Zero subclusters inside data clusters, and a partial write into an unallocated cluster.
      qemuIo('qcow2', out, 'write -z 132K 8K', 'write -q -P 0x3c 3M 4K');
    },
  },
  {
    label: 'qcow2-zero',
    unit: 64 * 1024,
    source: 'qcow2',
    make: (src, out) => {
      convert('qcow2')(src, out);
      qemuIo('qcow2', out, 'write -z 0 128K', 'write -z 2M 64K'); // zero clusters over data
    },
  },
  { label: 'vmdk-sparse', unit: 64 * 1024, source: 'vmdk', make: convert('vmdk', ['-o', 'subformat=monolithicSparse']) },
  { label: 'vmdk-stream', unit: 64 * 1024, source: 'vmdk', make: convert('vmdk', ['-o', 'subformat=streamOptimized']) },
  { label: 'vhd-dynamic', source: 'vpc', make: convert('vpc', ['-o', 'subformat=dynamic']) },
  { label: 'vhd-fixed', source: 'vpc', make: convert('vpc', ['-o', 'subformat=fixed']) },
  { label: 'vhdx', source: 'vhdx', make: convert('vhdx') },
  { label: 'vdi-dynamic', unit: MIB, source: 'vdi', make: convert('vdi', ['-o', 'static=off']) },
  { label: 'vdi-static', source: 'vdi', make: convert('vdi', ['-o', 'static=on']) },
  { label: 'qed', source: 'qed', make: convert('qed') },
  { label: 'raw', source: 'raw', make: (src, out) => writeFileSync(out, readFileSync(src)) },
];

/**
 * The raw source of the grid (6 MiB + 7 sectors, so no format's size is a round number): runs of
 * patterned data, an all-zero stretch, single bytes at cluster edges, a tail run.
 */
export function gridSource(): Uint8Array {
  const bytes = new Uint8Array(6 * MIB + 7 * 512);
  let state = 0x9e3779b9;
  const fill = (start: number, length: number): void => {
    for (let i = start; i < start + length; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      bytes[i] = state >>> 24;
    }
  };
  fill(0, 192 * 1024);
  fill(1 * MIB + 4096, 300 * 1024);
  bytes[2 * MIB + 65535] = 0x5a;
  bytes[2 * MIB + 65536] = 0xa5;
  fill(4 * MIB - 512, 1024);
  fill(bytes.byteLength - 3000, 3000);
  return bytes;
}

/** Blocks of `unit` bytes (default 64 KiB) of `bytes` holding a non-zero byte. */
export function countDataClusters(bytes: Uint8Array, unit = QED_CLUSTER_BYTES): number {
  let count = 0;
  for (let start = 0; start < bytes.byteLength; start += unit) {
    if (bytes.subarray(start, start + unit).some((byte) => byte !== 0)) count++;
  }
  return count;
}

/** Makes `path` into QEMU's raw reading of the image at `image` and returns it. */
export function qemuRaw(image: string, format: string, out: string): Uint8Array {
  qemuImg('convert', '-f', format, '-O', 'raw', image, out);
  return readFileSync(out);
}

/**
 * Writes the grid's images and their raw readings as fixtures named `PREFIX-LABEL.img` and
 * `PREFIX-LABEL.expected` (`labels` picks some; default all) and describes them. `removeGrid`
 * removes them.
 */
export function writeGrid(prefix: string, labels?: readonly string[]): GridImage[] {
  const work = mkdtempSync(join(tmpdir(), 'qedisk-formats-grid-'));
  try {
    const src = join(work, 'source.raw');
    writeFileSync(src, gridSource());
    return RECIPES.filter((recipe) => !labels || labels.includes(recipe.label)).map((recipe) => {
      const out = join(work, `${recipe.label}.img`);
      recipe.make(src, out);
      const image = readFileSync(out);
      const raw = qemuRaw(out, recipe.source, join(work, `${recipe.label}.raw`));
      return {
        label: recipe.label,
        url: writeFixture(`${prefix}-${recipe.label}.img`, image),
        rawUrl: writeFixture(`${prefix}-${recipe.label}.expected`, raw),
        fileBytes: image.byteLength,
        virtualSize: raw.byteLength,
        dataClusters: countDataClusters(raw),
        source: recipe.source,
        maxDataBytes: recipe.unit === undefined ? null : countDataClusters(raw, recipe.unit) * recipe.unit,
      };
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Removes the fixtures `writeGrid(prefix)` wrote. */
export function removeGrid(prefix: string): void {
  for (const recipe of RECIPES) {
    removeFixture(`${prefix}-${recipe.label}.img`);
    removeFixture(`${prefix}-${recipe.label}.expected`);
  }
}

/** A qcow2 overlay (on a backing file it names) made by qemu-img, for the refusal tests. */
export function qcow2WithBacking(): Uint8Array {
  const work = mkdtempSync(join(tmpdir(), 'qedisk-formats-backing-'));
  try {
    const base = join(work, 'base.qcow2');
    const top = join(work, 'top.qcow2');
    qemuImg('create', '-f', 'qcow2', base, '4M');
    qemuImg('create', '-f', 'qcow2', '-b', 'base.qcow2', '-F', 'qcow2', top);
    qemuIo('qcow2', top, 'write -q -P 0x11 64K 64K');
    return readFileSync(top);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
