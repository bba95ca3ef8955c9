/**
 * Helpers of the files-worker unit tests: native images (mke2fs -d, mkfs.fat + mcopy, sfdisk)
 * turned into QED disks in memory, and the disks written back out as raw images for the native
 * checkers.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import { QuotaLimitedFile } from '../support/quota-limited-file.ts';
import { makeTree, mcopyIn, mke2fs, run, scratch, type TreeNode } from '../fs/native.ts';

/** Cluster size of the test disks, in bytes. */
export const TEST_CLUSTER_BYTES = 64 * 1024;

/** A QED disk in memory whose file can be limited like a full storage quota. */
export interface TestDisk {
  image: QedImage;
  /** The file under the image: limit its growth with `setLimit`. */
  file: QuotaLimitedFile;
  /** The source tree the image was made from. */
  tree: Map<string, TreeNode>;
}

/** Raw images made so far in this test file, by recipe (each disk is a fresh QED copy of one). */
const madeImages = new Map<string, { rawPath: string; tree: Map<string, TreeNode> }>();

/**
 * A raw image file as a QED disk in memory (all-zero clusters left out); with `asBase`, as an empty
 * overlay on the raw image instead (a disk on a base: every cluster a write touches is new).
 */
export function diskFromRaw(rawPath: string, tree: Map<string, TreeNode>, asBase = false): TestDisk {
  const raw = readFileSync(rawPath);
  const file = new QuotaLimitedFile(new MemoryFile());
  if (asBase) {
    const image = QedImage.create(file, { size: raw.byteLength, clusterSize: TEST_CLUSTER_BYTES, backing: { name: 'base.raw', format: 'raw' }, resolveBacking: () => new MemoryFile(raw) });
    return { image, file, tree };
  }
  const image = QedImage.create(file, { size: raw.byteLength, clusterSize: TEST_CLUSTER_BYTES });
  for (let at = 0; at < raw.byteLength; at += TEST_CLUSTER_BYTES) {
    const piece = raw.subarray(at, Math.min(raw.byteLength, at + TEST_CLUSTER_BYTES));
    if (piece.some((byte) => byte !== 0)) image.write(at, piece);
  }
  image.flush();
  return { image, file, tree };
}

/** An ext4 disk (4 KiB blocks) of `sizeMiB` MiB made by mke2fs -d from the standard test tree (a small one); `asBase`: see `diskFromRaw`. */
export function ext4Disk(sizeMiB = 24, extraArgs: readonly string[] = [], asBase = false): TestDisk {
  const key = `ext4 ${sizeMiB} ${extraArgs.join(' ')}`;
  const made = madeImages.get(key);
  if (made) return diskFromRaw(made.rawPath, made.tree, asBase);
  const dir = scratch('qedisk-files-ext-');
  const source = join(dir, 'tree');
  const tree = makeTree(source, 7, { bigDirEntries: 40 });
  const rawPath = join(dir, 'disk.raw');
  mke2fs(rawPath, `${sizeMiB}M`, ['-t', 'ext4', '-b', '4096', '-L', 'unit', ...extraArgs], source);
  madeImages.set(key, { rawPath, tree });
  return diskFromRaw(rawPath, tree, asBase);
}

/** A FAT32 file system of `sizeMiB` MiB in partition 1 of an MBR disk (sfdisk), filled with mcopy; `asBase`: see `diskFromRaw`. */
export function fatPartitionDisk(sizeMiB = 40, asBase = false): TestDisk & { partitionStart: number } {
  const partitionStart = 1024 * 1024;
  const key = `fat ${sizeMiB}`;
  const made = madeImages.get(key);
  if (made) return { ...diskFromRaw(made.rawPath, made.tree, asBase), partitionStart };
  const dir = scratch('qedisk-files-fat-');
  const source = join(dir, 'tree');
  const tree = makeTree(source, 11, { fat: true, bigDirEntries: 40 });
  const fsPath = join(dir, 'fs.raw');
  run('mkfs.fat', ['-F', '32', '-n', 'UNIT', '-C', fsPath, String((sizeMiB - 2) * 1024)]);
  mcopyIn(fsPath, source);
  const rawPath = join(dir, 'disk.raw');
  const disk = Buffer.alloc(sizeMiB * 1024 * 1024);
  readFileSync(fsPath).copy(disk, partitionStart);
  writeFileSync(rawPath, disk);
  run('sfdisk', ['--no-reread', '--no-tell-kernel', '-q', rawPath], `label: dos\nstart=2048, size=${((sizeMiB - 2) * 1024 * 1024) / 512}, type=c\n`);
  madeImages.set(key, { rawPath, tree });
  return { ...diskFromRaw(rawPath, tree, asBase), partitionStart };
}

/** Writes what `image` reads as (all of it) to a raw file in a scratch folder; returns its path. */
export function exportRaw(image: QedImage, name = 'out.raw'): string {
  const path = join(scratch('qedisk-files-out-'), name);
  writeFileSync(path, image.read(0, image.size));
  return path;
}

/** Writes the partition of a disk exported by `exportRaw` to its own file (for fsck.fat and mtools); returns its path. */
export function extractPartition(rawPath: string, start: number, size: number): string {
  const path = `${rawPath}.part`;
  writeFileSync(path, readFileSync(rawPath).subarray(start, start + size));
  return path;
}

/** Deterministic bytes of `length` (a simple LCG), seeded. */
export function patternBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

/** A `DataSource` over `bytes` that is not a plain buffer source (as the worker's Blob source is not). */
export function sourceOf(bytes: Uint8Array): { size: number; read(offset: number, target: Uint8Array): void } {
  return { size: bytes.byteLength, read: (offset, target) => target.set(bytes.subarray(offset, offset + target.byteLength)) };
}
