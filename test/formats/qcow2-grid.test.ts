import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Qcow2Reader } from '../../src/formats/index.ts';
import { allocationDisagreement, nonzeroOutsideData } from './allocation.ts';
import { MiB, firstDifference, openReader, patternedDisk, qemuImg, qemuIo, qemuRaw, readAll, scratch, writeRaw } from './fixtures.ts';

/** One qcow2 image of the grid: how `qemu-img convert` makes it and what `qemu-io` does to it afterwards. */
interface Variant {
  name: string;
  options: string[];
  compress: boolean;
  /** qemu-io commands run on the image after conversion (zero clusters, partial writes, discards). */
  io: string[];
}

const CLUSTER_SIZES = [512, 4096, 16384, 65536, 2 * MiB];
const DISK_BYTES = 3 * MiB + 5 * 512;

/** Zero writes and partial writes that give every kind of cluster and subcluster. */
function edits(clusterSize: number): string[] {
  const k = 1024;
  return [
    `write -z ${64 * k} ${128 * k}`,
    `write -z -u ${512 * k} ${clusterSize}`,
    `write -P 0x5c ${700 * k + 512} ${3 * k}`,
    `write -z ${1024 * k + 4 * k} ${4 * k}`,
    `discard ${1536 * k} ${Math.min(Math.max(clusterSize, 64 * k), DISK_BYTES - 1536 * k - 512)}`,
  ];
}

function grid(): Variant[] {
  const variants: Variant[] = [];
  for (const cs of CLUSTER_SIZES) {
    for (const compat of ['0.10', '1.1']) {
      for (const compression of ['none', 'zlib', ...(compat === '1.1' ? ['zstd'] : [])]) {
        const options = [`compat=${compat}`, `cluster_size=${cs}`, ...(compression === 'zstd' ? ['compression_type=zstd'] : [])];
        const name = `compat=${compat} cluster=${cs} ${compression}`;
        variants.push({ name, options, compress: compression !== 'none', io: [] });
        if (compat === '1.1' && compression !== 'zstd') variants.push({ name: `${name} + zero/partial writes`, options, compress: compression !== 'none', io: edits(cs) });
        if (compat === '1.1' && cs >= 16384 && compression !== 'zstd') {
          variants.push({ name: `${name} extended_l2 + subcluster writes`, options: [...options, 'extended_l2=on'], compress: compression !== 'none', io: edits(cs) });
        }
      }
    }
  }
  return variants;
}

const work = scratch('qcow2-grid');
const variants = grid();
let passed = 0;

beforeAll(() => writeRaw(work.at('disk.raw'), patternedDisk(DISK_BYTES, 14)));
afterAll(() => {
  console.log(`qcow2 grid: ${passed} of ${variants.length} images read byte-identical to qemu-img convert -O raw`);
  work.dispose();
});

describe('Qcow2Reader over the qemu-img grid', () => {
  it.each(variants.map((variant, index) => [variant.name, variant, index] as const))('reads %s as QEMU does', (_name, variant, index) => {
    const path = work.at(`grid-${index}.qcow2`);
    qemuImg('convert', '-f', 'raw', '-O', 'qcow2', ...(variant.compress ? ['-c'] : []), '-o', variant.options.join(','), work.at('disk.raw'), path);
    if (variant.io.length > 0) qemuIo(path, 'qcow2', variant.io);
    const expected = qemuRaw(path, 'qcow2', work);
    const reader = openReader(path);
    try {
      expect(reader).toBeInstanceOf(Qcow2Reader);
      const actual = readAll(reader);
      expect(firstDifference(actual, expected)).toBe('identical');
      expect(allocationDisagreement(reader, path, 'qcow2')).toBe(0);
      expect(nonzeroOutsideData(reader, expected)).toBe(0);
      passed++;
    } finally {
      reader.close();
    }
  });
});
