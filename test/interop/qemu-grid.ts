/**
 * The images of the "QEMU writes, qedisk reads" grid: a covering subset of cluster sizes, table
 * sizes, odd virtual sizes and backing kinds, each filled by `qemu-io` with a fixed recipe.
 */
import { writeFileSync } from 'node:fs';
import { qemuCreate, qemuIo } from './qemu.ts';
import { Rng } from './prng.ts';
import type { Scratch } from './scratch.ts';
import { sizeLabel } from './scratch.ts';

const K = 1024;
const M = 1024 * 1024;

/** What serves the unallocated clusters of a grid image. */
export type GridBacking = 'none' | 'raw' | 'qed';

/** One image of the grid. Sizes in bytes. */
export interface GridImage {
  readonly clusterSize: number;
  readonly tableSize: number;
  /** Virtual size asked of `qemu-img create` (QEMU rounds it up to 512). */
  readonly size: number;
  readonly backing: GridBacking;
}

/** Geometries with the backing kinds each is tried with. */
const GEOMETRIES: ReadonlyArray<readonly [clusterSize: number, tableSize: number, size: number, backings: readonly GridBacking[]]> = [
  [4 * K, 2, 9 * M + 512, ['none', 'raw', 'qed']], // L2 tables map 4 MiB: crosses two table boundaries
  [4 * K, 4, 8 * M + 20 * K + 512, ['none', 'raw', 'qed']], // crosses one boundary (8 MiB)
  [4 * K, 16, 3 * M + 512, ['none', 'raw', 'qed']],
  [8 * K, 2, 16 * M + 24 * K + 512, ['none', 'raw', 'qed']], // crosses one boundary (16 MiB)
  [8 * K, 8, 3 * M + 512, ['none', 'raw']],
  [64 * K, 2, 5 * M + 512, ['none', 'raw', 'qed']],
  [64 * K, 4, 3 * M + 512, ['none', 'raw', 'qed']],
  [64 * K, 16, 4 * M + 1536, ['none', 'qed']],
  [256 * K, 4, 6 * M + 512, ['none', 'raw', 'qed']],
  [256 * K, 8, 5 * M + 3584, ['none', 'raw']],
  [1 * M, 2, 7 * M + 512, ['none', 'raw', 'qed']],
  [1 * M, 16, 9 * M, ['none', 'qed']],
  [2 * M, 2, 13 * M + 512, ['none', 'raw']],
  [2 * M, 8, 11 * M + 512, ['none', 'qed']],
  [4 * M, 2, 13 * M + 512, ['none', 'raw', 'qed']],
  [4 * K, 2, 1000, ['none', 'raw']], // QEMU rounds 1000 up to 1024
  [64 * K, 4, 1000, ['none']],
];

/** Every image of the grid, in a stable order. */
export const GRID_IMAGES: readonly GridImage[] = GEOMETRIES.flatMap(([clusterSize, tableSize, size, backings]) =>
  backings.map((backing) => ({ clusterSize, tableSize, size, backing })),
);

/** A test-name label such as `64K/ts4 3M+512 over a raw backing file`. */
export function gridLabel(image: GridImage): string {
  const over = image.backing === 'none' ? 'without backing file' : `over a ${image.backing} backing file`;
  return `${sizeLabel(image.clusterSize)}/ts${image.tableSize} ${sizeLabel(image.size)} ${over}`;
}

/** Guest bytes one L2 table maps. */
export function bytesPerL2Table(clusterSize: number, tableSize: number): number {
  return ((clusterSize * tableSize) / 8) * clusterSize;
}

/** Length in bytes of the pattern files that `write -s` reads from. */
export const NOISE_BYTES = 4 * M + 4 * K;

/** Writes the three pattern files (`noise-a|b|c.bin`) that the recipes use with `write -s`. */
export function writeNoiseFiles(scratch: Scratch): void {
  ['a', 'b', 'c'].forEach((name, i) => writeFileSync(scratch.path(`noise-${name}.bin`), new Rng(0x5eed + i).bytes(NOISE_BYTES)));
}

/**
 * The qemu-io commands that fill a grid image: full, unaligned and tiny data writes, aligned
 * zero writes on unallocated and on allocated clusters, unaligned zero writes, a partial write
 * into a zero cluster, a write reaching the last (partial) cluster and writes across L2 tables.
 * Commands that would not fit the disk are left out.
 */
export function gridCommands(scratch: Scratch, image: GridImage, size: number): string[] {
  const cs = image.clusterSize;
  const span = bytesPerL2Table(cs, image.tableSize);
  const noise = (name: string): string => `-s ${scratch.path(`noise-${name}.bin`)}`;
  const commands: string[] = [];
  const add = (command: string, offset: number, length: number): void => {
    if (length > 0 && offset >= 0 && offset + length <= size) commands.push(`${command} ${offset} ${length}`);
  };
  add(`write -q ${noise('a')}`, 0, Math.min(cs, size));
  add('write -q -P 0x55', 2000, 100);
  add('write -q -P 0x22', cs + 1000, cs);
  add(`write -q ${noise('b')}`, 3 * cs + 17, 3);
  add('write -q -z', 4 * cs, 2 * cs);
  add('write -q -z', cs, cs);
  add('write -q -z', 500, 1000);
  add('write -q -z', 6 * cs + 512, 1536);
  add('write -q -P 0x44', 4 * cs + 4096, 512);
  const tail = Math.min(size, cs + 1536);
  add(`write -q ${noise('c')}`, size - tail, tail);
  add('write -q -z', size - 700, 300);
  add(`write -q ${noise('a')}`, span - 1500, 3000);
  add('write -q -z', 2 * span - 2 * cs, 4 * cs);
  return commands;
}

/**
 * Creates the backing file of `image` (if any) next to `path` and returns its name: a raw file
 * of seeded random bytes, shorter than the overlay; or a QEMU-made QED image, itself over such
 * a raw file, with a different geometry and some data and zero clusters of its own.
 */
function makeBacking(scratch: Scratch, image: GridImage, stem: string, seed: number): { name: string; format: 'raw' | 'qed' } | undefined {
  if (image.backing === 'none') return undefined;
  const baseSize = Math.max(512, Math.floor((image.size * 0.7) / 512) * 512);
  const rawName = `${stem}-base.raw`;
  writeFileSync(scratch.path(rawName), new Rng(seed).bytes(image.backing === 'raw' ? baseSize : Math.floor(baseSize * 0.8)));
  if (image.backing === 'raw') return { name: rawName, format: 'raw' };
  const midName = `${stem}-mid.qed`;
  const midCluster = image.clusterSize === 64 * K ? 4 * K : 64 * K;
  qemuCreate(scratch.path(midName), { size: baseSize, clusterSize: midCluster, tableSize: 4, backing: { name: rawName, format: 'raw' } });
  const third = Math.floor(baseSize / 3 / 512) * 512;
  const zeroAt = Math.ceil(baseSize / 2 / midCluster) * midCluster;
  const commands = [`write -q -P 0x6d ${third} ${Math.min(5000, baseSize - third)}`];
  if (zeroAt + midCluster <= baseSize) commands.push(`write -q -z ${zeroAt} ${midCluster}`);
  if (baseSize >= 1300) commands.push(`write -q -s ${scratch.path('noise-b.bin')} 1000 300`);
  qemuIo(scratch.path(midName), commands);
  return { name: midName, format: 'qed' };
}

/** Creates grid image number `index` with QEMU and returns its path. */
export function makeGridImage(scratch: Scratch, image: GridImage, index: number): string {
  const stem = `grid-${index}`;
  const path = scratch.path(`${stem}.qed`);
  const backing = makeBacking(scratch, image, stem, 1000 + index);
  qemuCreate(path, { size: image.size, clusterSize: image.clusterSize, tableSize: image.tableSize, ...(backing ? { backing } : {}) });
  const roundedSize = Math.ceil(image.size / 512) * 512;
  qemuIo(path, gridCommands(scratch, image, roundedSize));
  return path;
}
