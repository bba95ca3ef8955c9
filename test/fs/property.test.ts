/**
 * Random sequences of mkdir / put / rm / rename against a plain model tree, on ext2, ext4 and
 * FAT: the file system must agree with the model after every step (success or the predicted
 * failure), and at the end the native checker must find nothing and the native reader must see
 * exactly the model.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryDevice } from '../../src/fs/block-device.ts';
import { FsError } from '../../src/fs/errors.ts';
import type { FileSystem } from '../../src/fs/file-system.ts';
import { openFileSystem } from '../../src/fs/open.ts';
import { expectSameTree, expectTree } from './expect-tree.ts';
import { type TreeNode, debugfsTree, e2fsckClean, fsckFatClean, mke2fs, mtoolsTree, run, scratch } from './native.ts';

/** Names whose upper-case forms differ, so FAT's case-insensitivity does not merge them. */
const NAMES = ['a', 'b', 'Long Name One', 'x.txt', 'DATA.BIN', 'ünïcode'];
const PARENTS = ['', '/a', '/b', '/a/b', '/Long Name One'];

type Op =
  | { op: 'mkdir'; path: string }
  | { op: 'put'; path: string; size: number; fill: number }
  | { op: 'rm'; path: string }
  | { op: 'rename'; from: string; to: string };

const pathArb = fc.tuple(fc.constantFrom(...PARENTS), fc.constantFrom(...NAMES)).map(([parent, name]) => `${parent}/${name}`);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  pathArb.map((path) => ({ op: 'mkdir' as const, path })),
  fc.record({ op: fc.constant('put' as const), path: pathArb, size: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40_000 })), fill: fc.integer({ min: 0, max: 255 }) }),
  pathArb.map((path) => ({ op: 'rm' as const, path })),
  fc.record({ op: fc.constant('rename' as const), from: pathArb, to: pathArb }),
);

const parentOf = (path: string): string => path.slice(0, path.lastIndexOf('/'));
const isDir = (tree: Map<string, TreeNode>, path: string): boolean => path === '' || tree.get(path)?.kind === 'dir';
const children = (tree: Map<string, TreeNode>, path: string): string[] => [...tree.keys()].filter((key) => key.startsWith(`${path}/`));

/** Applies `op` to the model; returns false when the file system must refuse it. */
function applyToModel(tree: Map<string, TreeNode>, op: Op): boolean {
  switch (op.op) {
    case 'mkdir':
      if (!isDir(tree, parentOf(op.path)) || tree.has(op.path)) return false;
      tree.set(op.path, { kind: 'dir' });
      return true;
    case 'put':
      if (!isDir(tree, parentOf(op.path)) || tree.get(op.path)?.kind === 'dir') return false;
      tree.set(op.path, { kind: 'file', data: Buffer.alloc(op.size, op.fill) });
      return true;
    case 'rm':
      if (!tree.has(op.path) || children(tree, op.path).length > 0) return false;
      tree.delete(op.path);
      return true;
    case 'rename': {
      const source = tree.get(op.from);
      if (!source || !isDir(tree, parentOf(op.to))) return false;
      if (op.from === op.to) return true;
      if (source.kind === 'dir' && (op.to.startsWith(`${op.from}/`) || op.to === op.from)) return false;
      const target = tree.get(op.to);
      if (target && (target.kind === 'dir') !== (source.kind === 'dir')) return false;
      if (target?.kind === 'dir' && children(tree, op.to).length > 0) return false;
      const moved = [op.from, ...children(tree, op.from)].map((path) => [path, tree.get(path)!] as const);
      for (const [path] of moved) tree.delete(path);
      tree.delete(op.to);
      for (const [path, node] of moved) tree.set(op.to + path.slice(op.from.length), node);
      return true;
    }
  }
}

function applyToFs(fs: FileSystem, op: Op): void {
  if (op.op === 'mkdir') fs.mkdir(op.path);
  else if (op.op === 'put') fs.writeFile(op.path, Buffer.alloc(op.size, op.fill));
  else if (op.op === 'rm') fs.rm(op.path);
  else fs.rename(op.from, op.to);
}

/** Runs the property over images made by `make`, checked by `check`. */
function propertyOn(name: string, make: (path: string) => void, check: (path: string) => Map<string, TreeNode>, ignoreRoot: string[], seed: number): void {
  it(`keeps ${name} equal to the model and clean for the native checker`, () => {
    const work = scratch();
    const template = join(work, 'template.img');
    make(template);
    const bytes = readFileSync(template);
    let runIndex = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 25 }), (ops) => {
        const device = new MemoryDevice(Buffer.from(bytes));
        const { fs } = openFileSystem(device, { now: () => 1_700_000_000 });
        const model = new Map<string, TreeNode>();
        for (const op of ops) {
          const allowed = applyToModel(model, op);
          if (allowed) applyToFs(fs, op);
          else expect(() => applyToFs(fs, op), JSON.stringify(op)).toThrow(FsError);
        }
        expectTree(fs, model, ignoreRoot);
        const image = join(work, `run-${runIndex++}.img`);
        writeFileSync(image, device.bytes);
        expectSameTree(check(image), model);
      }),
      { numRuns: 8, seed },
    );
  });
}

describe('random operation sequences against a model tree', () => {
  const extCheck = (image: string): Map<string, TreeNode> => {
    e2fsckClean(image);
    return debugfsTree(image);
  };
  const fatCheck = (image: string): Map<string, TreeNode> => {
    fsckFatClean(image);
    return mtoolsTree(image);
  };
  propertyOn('ext4 (metadata_csum, 1 KiB blocks)', (path) => mke2fs(path, '4M', ['-t', 'ext4', '-b', '1024']), extCheck, ['lost+found'], 1301);
  propertyOn('ext2 (1 KiB blocks)', (path) => mke2fs(path, '4M', ['-t', 'ext2', '-b', '1024']), extCheck, ['lost+found'], 1302);
  propertyOn('FAT12', (path) => run('mkfs.fat', ['-F', '12', '-C', path, '2048']), fatCheck, [], 1303);
  propertyOn('FAT32', (path) => run('mkfs.fat', ['-F', '32', '-s', '1', '-C', path, '34000']), fatCheck, [], 1304);
});
