/**
 * Native tools as the oracle for the file-system tests: building source trees and images with
 * mke2fs / mkfs.fat / mcopy / sfdisk / sgdisk / qemu-img, and checking and reading them back with
 * e2fsck, debugfs, fsck.fat and mcopy.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, lstatSync, readlinkSync, symlinkSync, writeFileSync, truncateSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { mulberry32 } from '../support/mulberry32.ts';

/** What a finished tool left. */
export interface ToolResult {
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs `command args...`; never throws for a non-zero status. */
export function tool(command: string, args: readonly string[], input?: Uint8Array | string): ToolResult {
  const result: SpawnSyncReturns<Buffer> = spawnSync(command, args, { input: input ?? '', maxBuffer: 512 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.toString('utf8') };
}

/** Runs `command args...` and returns stdout; throws with stderr when it exits non-zero. */
export function run(command: string, args: readonly string[], input?: Uint8Array | string): Buffer {
  const result = tool(command, args, input);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}${result.stdout.toString('utf8').slice(0, 2000)}`);
  return result.stdout;
}

/** A fresh scratch directory. */
export function scratch(prefix = 'qedisk-fs-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** SHA-256 of a file, hex. */
export function sha(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** One object of a source tree, keyed by its absolute path inside the file system. */
export type TreeNode = { kind: 'file'; data: Buffer } | { kind: 'dir' } | { kind: 'symlink'; target: string };

/** Options of `makeTree`. */
export interface TreeOptions {
  /** Entries of the big directory (htree material on ext); default 400. */
  bigDirEntries?: number;
  /** Use only 8.3-safe and long FAT names (no symlinks, no sparse file). */
  fat?: boolean;
}

/**
 * Writes a deterministic tree under `root`: nested directories, files of sizes around block
 * boundaries, a 2 MiB random file, a large directory, Unicode names, and (ext only) fast and
 * slow symlinks and a sparse file. Returns what it wrote.
 */
export function makeTree(root: string, seed: number, options: TreeOptions = {}): Map<string, TreeNode> {
  const next = mulberry32(seed);
  const bytes = (length: number): Buffer => {
    const data = Buffer.alloc(length);
    let i = 0;
    for (; i + 4 <= length; i += 4) data.writeUInt32LE(next(), i);
    for (; i < length; i++) data[i] = next() & 0xff;
    return data;
  };
  const tree = new Map<string, TreeNode>();
  const dir = (path: string): void => {
    mkdirSync(join(root, path), { recursive: true });
    tree.set(path, { kind: 'dir' });
  };
  const file = (path: string, data: Buffer): void => {
    writeFileSync(join(root, path), data);
    tree.set(path, { kind: 'file', data });
  };
  dir('/docs');
  dir('/docs/nested');
  dir('/docs/nested/deeper');
  dir('/big');
  dir('/empty dir');
  file('/hello.txt', Buffer.from('hello, disk\n'));
  file('/empty', Buffer.alloc(0));
  for (const size of [1, 511, 512, 1023, 1024, 1025, 4095, 4096, 4097, 12 * 1024 + 1, 70_000]) file(`/docs/size-${size}.bin`, bytes(size));
  file('/docs/nested/deeper/random-2m.bin', bytes(2 * 1024 * 1024 + 123));
  file('/docs/A Long Mixed Case Name.Text', Buffer.from('long name\n'));
  file('/docs/héllo wörld ✓.txt', Buffer.from('unicode\n'));
  const entries = options.bigDirEntries ?? 400;
  for (let i = 0; i < entries; i++) file(`/big/entry-with-a-longish-name-${String(i).padStart(4, '0')}`, bytes(i % 7 === 0 ? 5000 : i % 50));
  if (!options.fat) {
    symlinkSync('hello.txt', join(root, 'fast-link'));
    tree.set('/fast-link', { kind: 'symlink', target: 'hello.txt' });
    const slow = `/docs/${'long-target-component/'.repeat(5)}end`;
    symlinkSync(slow, join(root, 'slow-link'));
    tree.set('/slow-link', { kind: 'symlink', target: slow });
    const sparse = join(root, 'docs/sparse.bin');
    writeFileSync(sparse, Buffer.alloc(0));
    truncateSync(sparse, 3 * 1024 * 1024);
    const fd = openSync(sparse, 'r+');
    writeSync(fd, Buffer.from('middle'), 0, 6, 1024 * 1024 + 7);
    writeSync(fd, Buffer.from('end'), 0, 3, 3 * 1024 * 1024 - 3);
    closeSync(fd);
    tree.set('/docs/sparse.bin', { kind: 'file', data: readFileSync(sparse) });
  }
  return tree;
}

/** Reads a directory tree from the host (a native tool's extraction) into the same shape as `makeTree`. */
export function readHostTree(root: string): Map<string, TreeNode> {
  const tree = new Map<string, TreeNode>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const key = `/${relative(root, path)}`;
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) tree.set(key, { kind: 'symlink', target: readlinkSync(path) });
      else if (stat.isDirectory()) {
        tree.set(key, { kind: 'dir' });
        walk(path);
      } else tree.set(key, { kind: 'file', data: readFileSync(path) });
    }
  };
  walk(root);
  return tree;
}

/** `mke2fs` with `args`, sized `size`, filled from `source` when given. */
export function mke2fs(image: string, size: string, args: readonly string[], source?: string): void {
  run('mke2fs', ['-q', '-F', ...args, ...(source ? ['-d', source] : []), '-E', 'root_owner=0:0', image, size]);
}

/** Asserts `e2fsck -fn` finds nothing; returns its output. */
export function e2fsckClean(image: string): string {
  const result = tool('e2fsck', ['-fn', image]);
  const text = `${result.stdout.toString('utf8')}${result.stderr}`;
  if (result.status !== 0) throw new Error(`e2fsck -fn ${image} exited ${result.status}:\n${text}`);
  return text;
}

/** Everything debugfs extracts from the ext image (`rdump /`), as a tree. */
export function debugfsTree(image: string): Map<string, TreeNode> {
  const out = scratch('qedisk-rdump-');
  run('debugfs', ['-R', `rdump / ${out}`, image]);
  const tree = readHostTree(out);
  tree.delete('/lost+found');
  return tree;
}

/** Asserts `fsck.fat -n` finds nothing. */
export function fsckFatClean(image: string): string {
  const result = tool('fsck.fat', ['-n', image]);
  const text = `${result.stdout.toString('utf8')}${result.stderr}`;
  if (result.status !== 0) throw new Error(`fsck.fat -n ${image} exited ${result.status}:\n${text}`);
  return text;
}

/** Everything mcopy extracts from the FAT image (`mcopy -s ::/`), as a tree. */
export function mtoolsTree(image: string): Map<string, TreeNode> {
  const out = scratch('qedisk-mcopy-');
  if (run('mdir', ['-b', '-i', image, '::/']).toString().trim() === '') return new Map();
  run('mcopy', ['-n', '-s', '-i', image, '::/*', out]);
  return readHostTree(out);
}

/** Writes `tree` into the FAT image with mcopy (directories first). */
export function mcopyIn(image: string, source: string): void {
  const names = readdirSync(source).map((name) => join(source, name));
  run('mcopy', ['-s', '-i', image, ...names, '::/']);
}
