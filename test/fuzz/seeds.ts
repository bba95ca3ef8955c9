/** Seed images for fuzzing: some made by QEMU's own tools, some by qedisk. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import { pattern } from '../support/images.ts';

/** A named seed image. */
export interface SeedImage {
  name: string;
  bytes: Uint8Array;
}

const KIB = 1024;
const MIB = 1024 * KIB;

/** Images written by qemu-img / qemu-io (needs qemu-utils). */
export function qemuSeeds(): SeedImage[] {
  const directory = mkdtempSync(join(tmpdir(), 'qedisk-fuzz-seeds-'));
  const qemu = (tool: string, ...args: string[]): void => {
    execFileSync(tool, args, { cwd: directory, stdio: 'pipe' });
  };
  try {
    qemu('qemu-img', 'create', '-q', '-f', 'raw', 'base.raw', '1M');
    qemu('qemu-img', 'create', '-q', '-f', 'qed', 'plain.qed', '8M');
    qemu('qemu-io', '-f', 'qed', '-c', 'write -P 0xab 0 128k', '-c', 'write -z 1M 128k', '-c', 'write -P 0xcd 3M 100k', 'plain.qed');
    qemu('qemu-img', 'create', '-q', '-f', 'qed', '-o', 'cluster_size=4k,table_size=2', 'small.qed', '6M');
    qemu('qemu-io', '-f', 'qed', '-c', 'write -P 0x11 0 20k', '-c', 'write -P 0x22 4092k 12k', 'small.qed');
    qemu('qemu-img', 'create', '-q', '-f', 'qed', '-b', 'base.raw', '-F', 'raw', 'overlay.qed', '2M');
    qemu('qemu-io', '-f', 'qed', '-c', 'write -P 0x33 64k 4k', 'overlay.qed');
    return ['plain.qed', 'small.qed', 'overlay.qed'].map((name) => ({ name: `qemu:${name}`, bytes: new Uint8Array(readFileSync(join(directory, name))) }));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Images written by qedisk. */
export function qediskSeeds(): SeedImage[] {
  const make = (name: string, build: (image: QedImage) => void, options: Parameters<typeof QedImage.create>[1]): SeedImage => {
    const file = new MemoryFile();
    const image = QedImage.create(file, options);
    build(image);
    image.close();
    return { name: `qedisk:${name}`, bytes: file.snapshot() };
  };
  return [
    make('default', (image) => {
      image.write(10 * KIB, pattern(70 * KIB, 1));
      image.writeZeroes(2 * MIB, 128 * KIB);
    }, { size: 4 * MIB }),
    make('4k-ts16', (image) => {
      image.write(4 * KIB - 7, pattern(9 * KIB, 2));
      image.write(3 * MIB, pattern(4 * KIB, 3));
    }, { size: 5 * MIB, clusterSize: 4 * KIB, tableSize: 16 }),
  ];
}
