/**
 * Seeded random workloads that qedisk runs on an image while a plain `Uint8Array` model records
 * what every guest byte must read as. QEMU then judges the result (see qedisk-writes.test.ts).
 */
import { writeFileSync } from 'node:fs';
import { NodeFile, QedImage, nodeBackingResolver } from '../../src/node.ts';
import { bytesPerL2Table } from './qemu-grid.ts';
import { Rng } from './prng.ts';
import type { Scratch } from './scratch.ts';
import { sizeLabel } from './scratch.ts';

/** One workload: geometry, starting virtual size (bytes), backing kind and PRNG seed. */
export interface WorkloadCase {
  readonly clusterSize: number;
  readonly tableSize: number;
  readonly size: number;
  readonly backing: 'none' | 'raw' | 'qed';
  readonly seed: number;
}

/** What a finished workload left: the closed image and the bytes it must read as. */
export interface WorkloadResult {
  readonly path: string;
  /** Every guest byte of the image as it must read now (virtual size = `model.byteLength`). */
  readonly model: Uint8Array;
  /** The backing name stored in the image, or null. */
  readonly backingName: string | null;
  /** Guest operations performed, by kind. */
  readonly counts: Readonly<Record<string, number>>;
  /** Data clusters the discards dropped (leaks until a compaction, or a repair when at the end of the file). */
  readonly discardedClusters: number;
}

/** Operations per workload, and where the image is closed and reopened or resized. */
const OPERATIONS = 36;
const REOPEN_AT = new Set([12, 24]);
const RESIZE_AT = 18;

/** A test-name label such as `64K/ts4 6M+1536 over a raw backing file, seed 42`. */
export function workloadLabel(c: WorkloadCase): string {
  const over = c.backing === 'none' ? 'without backing file' : `over a ${c.backing} backing file`;
  return `${sizeLabel(c.clusterSize)}/ts${c.tableSize} ${sizeLabel(c.size)} ${over}, seed ${c.seed}`;
}

/**
 * Creates the backing file (shorter than the overlay): raw random bytes, or a qedisk-made QED
 * image with another geometry holding random data and zero clusters. Returns its name and model.
 */
function makeBacking(scratch: Scratch, c: WorkloadCase, stem: string, rng: Rng): { name: string; format: 'raw' | 'qed'; bytes: Uint8Array } | null {
  if (c.backing === 'none') return null;
  const size = Math.floor((c.size * 0.7) / 512) * 512;
  if (c.backing === 'raw') {
    const bytes = rng.bytes(size);
    writeFileSync(scratch.path(`${stem}-base.raw`), bytes);
    return { name: `${stem}-base.raw`, format: 'raw', bytes };
  }
  const bytes = new Uint8Array(size);
  const clusterSize = c.clusterSize === 64 * 1024 ? 4096 : 64 * 1024;
  const base = QedImage.create(NodeFile.open(scratch.path(`${stem}-base.qed`), 'create'), { size, clusterSize, tableSize: 2 });
  try {
    for (let i = 0; i < 6; i++) {
      const offset = rng.int(0, size);
      const data = rng.bytes(Math.min(size - offset, rng.int(1, 3 * clusterSize)));
      base.write(offset, data);
      bytes.set(data, offset);
    }
    const zeroAt = Math.floor(size / 2 / clusterSize) * clusterSize;
    const zeroLength = Math.min(2 * clusterSize, size - zeroAt);
    base.writeZeroes(zeroAt, zeroLength);
    bytes.fill(0, zeroAt, zeroAt + zeroLength);
  } finally {
    base.close();
  }
  return { name: `${stem}-base.qed`, format: 'qed', bytes };
}

/** Picks a random guest range of at most `maxLength` bytes inside a `size`-byte disk. */
function randomRange(rng: Rng, size: number, maxLength: number, align: number): [offset: number, length: number] {
  let offset = rng.int(0, size);
  if (align > 1) offset -= offset % align;
  let length = rng.int(1, maxLength + 1);
  if (align > 1) length = Math.max(align, length - (length % align));
  return [offset, Math.min(length, size - offset)];
}

/**
 * Runs the workload of `c` on a new image `${stem}.qed`: random data writes (unaligned and
 * aligned), unaligned and cluster-aligned zero writes, writes across L2 tables, discards (whole
 * data clusters then read as zeros), two reopens (the second with a one-table L2 cache) and one
 * resize.
 */
export function runWorkload(scratch: Scratch, c: WorkloadCase, stem: string): WorkloadResult {
  const rng = new Rng(c.seed);
  const path = scratch.path(`${stem}.qed`);
  const backing = makeBacking(scratch, c, stem, rng);
  const resolveBacking = nodeBackingResolver(path);
  const cs = c.clusterSize;
  let image = QedImage.create(NodeFile.open(path, 'create'), {
    size: c.size,
    clusterSize: cs,
    tableSize: c.tableSize,
    ...(backing ? { backing: { name: backing.name, format: backing.format }, resolveBacking } : {}),
  });
  let model = new Uint8Array(image.size);
  if (backing) model.set(backing.bytes.subarray(0, Math.min(backing.bytes.byteLength, model.byteLength)));
  const counts: Record<string, number> = {};
  let discardedClusters = 0;
  const span = bytesPerL2Table(cs, c.tableSize);
  const maxLength = Math.min(3 * cs, 1536 * 1024);
  try {
    for (let op = 0; op < OPERATIONS; op++) {
      if (REOPEN_AT.has(op)) {
        image.close();
        image = QedImage.open(NodeFile.open(path, 'readwrite'), { resolveBacking, ...(op === 24 ? { l2CacheBytes: 1 } : {}) });
      }
      if (op === RESIZE_AT) {
        const grown = new Uint8Array(model.byteLength + 512 * rng.int(1, (2 * cs) / 512 + 8));
        grown.set(model);
        image.resize(grown.byteLength);
        model = grown;
        counts.resize = (counts.resize ?? 0) + 1;
      }
      const kind = rng.pick(['write', 'write', 'write', 'aligned-write', 'zero', 'aligned-zero', 'aligned-zero', 'cross-table', 'discard']);
      counts[kind] = (counts[kind] ?? 0) + 1;
      if (kind === 'cross-table' && model.byteLength > span) {
        const boundary = span * rng.int(1, Math.ceil(model.byteLength / span));
        const offset = Math.max(0, boundary - rng.int(1, 2 * cs));
        const data = rng.bytes(Math.min(model.byteLength - offset, rng.int(1, 4 * cs)));
        image.write(offset, data);
        model.set(data, offset);
        continue;
      }
      const align = kind.startsWith('aligned') ? cs : 1;
      const [offset, length] = randomRange(rng, model.byteLength, maxLength, align);
      if (kind === 'discard') {
        // Whole clusters that held data here read as zeros afterwards; everything else is unchanged.
        const data = image.map().filter((extent) => extent.kind === 'data');
        image.discard(offset, length);
        const first = Math.ceil(offset / cs) * cs;
        const last = offset + length === model.byteLength ? model.byteLength : Math.floor((offset + length) / cs) * cs;
        for (const extent of data) {
          const start = Math.max(extent.start, first);
          const end = Math.min(extent.start + extent.length, last);
          if (start >= end) continue;
          model.fill(0, start, end);
          discardedClusters += Math.ceil((end - start) / cs);
        }
      } else if (kind.endsWith('zero')) {
        image.writeZeroes(offset, length);
        model.fill(0, offset, offset + length);
      } else {
        const data = rng.bytes(length);
        image.write(offset, data);
        model.set(data, offset);
      }
    }
  } finally {
    image.close();
  }
  return { path, model, backingName: backing?.name ?? null, counts, discardedClusters };
}
