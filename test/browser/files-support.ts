/**
 * Node-side helpers of the files-API specs: disk images made by the native tools (mke2fs -d,
 * mkfs.fat + mcopy, sfdisk) and converted to QED by qemu-img, served to the page on a route of its
 * own origin; and the exported disks taken back and checked (qemu-img convert, e2fsck -fn,
 * fsck.fat -n, debugfs, mcopy, unzip).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Download, Page } from './driver/index.ts';
import { makeTree, mcopyIn, mke2fs, type TreeNode } from '../fs/native.ts';
import { openHarness } from './harness/pages.ts';

/** What the page needs to check one file. */
export interface ExpectedFile {
  /** Absolute path inside the file system. */
  path: string;
  /** Size in bytes. */
  size: number;
  /** SHA-256, hex. */
  sha256: string;
}

/** A disk image made natively, as QED bytes, with the files it holds. */
export interface NativeDisk {
  /** The `.qed` file's bytes (qemu-img convert -O qed). */
  qed: Buffer;
  /** Regular files, with size and hash. */
  files: ExpectedFile[];
  /** The whole tree (files, folders, links). */
  tree: Map<string, TreeNode>;
}

/** SHA-256 of `data`, hex. */
export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A scratch folder, removed by `done`. */
export function workDir(): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'qedisk-files-browser-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The regular files of `tree`, with sizes and hashes. */
function expectedFiles(tree: Map<string, TreeNode>): ExpectedFile[] {
  const files: ExpectedFile[] = [];
  for (const [path, node] of tree) if (node.kind === 'file') files.push({ path, size: node.data.byteLength, sha256: sha256(node.data) });
  return files;
}

/** `raw` converted to QED by qemu-img (64 KiB clusters). */
function toQed(dir: string, rawPath: string): Buffer {
  const qedPath = join(dir, 'disk.qed');
  execFileSync('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qed', '-o', 'cluster_size=65536', rawPath, qedPath]);
  return readFileSync(qedPath);
}

/** A 32 MiB ext4 file system (4 KiB blocks) on the whole disk, made by mke2fs -d from the standard test tree. */
export function ext4Disk(): NativeDisk {
  const { dir, done } = workDir();
  try {
    const tree = makeTree(join(dir, 'tree'), 21, { bigDirEntries: 30 });
    const rawPath = join(dir, 'disk.raw');
    mke2fs(rawPath, '32M', ['-t', 'ext4', '-b', '4096', '-L', 'browser'], join(dir, 'tree'));
    return { qed: toQed(dir, rawPath), files: expectedFiles(tree), tree };
  } finally {
    done();
  }
}

/** Where the partitions of `partitionedDisk` lie, in bytes. */
export const FAT_PARTITION = { start: 1024 * 1024, size: 36 * 1024 * 1024 };
export const EXT2_PARTITION = { start: 37 * 1024 * 1024, size: 10 * 1024 * 1024 };

/** A 48 MiB MBR disk (sfdisk): partition 1 FAT32 filled by mcopy, partition 2 ext2 made by mke2fs -d. */
export function partitionedDisk(): NativeDisk & { ext2Files: ExpectedFile[] } {
  const { dir, done } = workDir();
  try {
    const tree = makeTree(join(dir, 'fat-tree'), 22, { fat: true, bigDirEntries: 30 });
    const fatPath = join(dir, 'fat.raw');
    execFileSync('mkfs.fat', ['-F', '32', '-n', 'BROWSER', '-C', fatPath, String(FAT_PARTITION.size / 1024)], { stdio: 'ignore' });
    mcopyIn(fatPath, join(dir, 'fat-tree'));
    const extPath = join(dir, 'ext2.raw');
    mkdirSync(join(dir, 'ext-tree'));
    writeFileSync(join(dir, 'ext-tree', 'note.txt'), 'partition two\n');
    mke2fs(extPath, `${EXT2_PARTITION.size / 1024}K`, ['-t', 'ext2', '-b', '1024'], join(dir, 'ext-tree'));
    const raw = Buffer.alloc(48 * 1024 * 1024);
    readFileSync(fatPath).copy(raw, FAT_PARTITION.start);
    readFileSync(extPath).copy(raw, EXT2_PARTITION.start);
    const rawPath = join(dir, 'disk.raw');
    writeFileSync(rawPath, raw);
    const script = `label: dos\nstart=${FAT_PARTITION.start / 512}, size=${FAT_PARTITION.size / 512}, type=c\nstart=${EXT2_PARTITION.start / 512}, size=${EXT2_PARTITION.size / 512}, type=83\n`;
    execFileSync('sfdisk', ['--no-reread', '--no-tell-kernel', '-q', rawPath], { input: script, stdio: ['pipe', 'ignore', 'ignore'] });
    return { qed: toQed(dir, rawPath), files: expectedFiles(tree), tree, ext2Files: [{ path: '/note.txt', size: 14, sha256: sha256(Buffer.from('partition two\n')) }] };
  } finally {
    done();
  }
}

/** Serves `bytes` to the page at `path` (same origin), for `fetch` and `importDisk`. */
export async function serveToPage(page: Page, path: string, bytes: Buffer): Promise<void> {
  await page.route(`**${path}`, (route) => route.fulfill({ status: 200, body: bytes, contentType: 'application/octet-stream' }));
}

/**
 * Opens the harness on `page` with the origin's storage emptied and imports each image of `disks`
 * (disk name to QED bytes, served to the page at `/__files-fixture/NAME.qed`) as a disk of that name.
 */
export async function importDisks(page: Page, disks: Record<string, Buffer>): Promise<void> {
  for (const [name, bytes] of Object.entries(disks)) await serveToPage(page, `/__files-fixture/${name}.qed`, bytes);
  await openHarness(page);
  await page.evaluate(async (names) => {
    const { qedisk, resetStorage } = window.harness;
    await resetStorage();
    for (const name of names) await qedisk.importDisk(name, await (await fetch(`/__files-fixture/${name}.qed`)).blob());
  }, Object.keys(disks));
}

/** Saves `download` in `dir` and converts it to a raw image with qemu-img; returns the raw path. */
export async function rawFromDownload(download: Download, dir: string, name: string): Promise<string> {
  const qedPath = join(dir, `${name}.qed`);
  const rawPath = join(dir, `${name}.raw`);
  await download.saveAs(qedPath);
  execFileSync('qemu-img', ['convert', '-q', '-f', 'qed', '-O', 'raw', qedPath, rawPath]);
  return rawPath;
}

/** Copies `size` bytes from `start` of the raw image at `rawPath` into a file of its own; returns its path. */
export function partitionFile(rawPath: string, start: number, size: number): string {
  const path = `${rawPath}.p${start}`;
  writeFileSync(path, readFileSync(rawPath).subarray(start, start + size));
  return path;
}

/** Exit status and output of `command args...`. */
export function check(command: string, args: readonly string[]): { status: number | null; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** The bytes of file `path` in the ext image at `rawPath`, as debugfs dumps them. */
export function debugfsDump(rawPath: string, path: string): Buffer {
  const out = `${rawPath}.dump`;
  execFileSync('debugfs', ['-R', `dump ${path} ${out}`, rawPath], { stdio: 'ignore' });
  return readFileSync(out);
}

/** The bytes of file `path` in the FAT image at `imagePath`, as mcopy reads them. */
export function mcopyOut(imagePath: string, path: string): Buffer {
  return execFileSync('mcopy', ['-n', '-i', imagePath, `::${path}`, '-']);
}
