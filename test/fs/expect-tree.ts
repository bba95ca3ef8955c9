/** Comparing what a `FileSystem` reads with an expected tree (the source, or a native tool's extraction). */
import { expect } from 'vitest';
import type { FileSystem } from '../../src/fs/file-system.ts';
import { FsError } from '../../src/fs/errors.ts';
import type { TreeNode } from './native.ts';
import { sha } from './native.ts';

/** Compares every file, directory and symlink of `expected` with what `fs` reads. Returns the number of files compared. */
export function expectTree(fs: FileSystem, expected: ReadonlyMap<string, TreeNode>, ignoreRoot: readonly string[] = ['lost+found']): number {
  let files = 0;
  for (const [path, node] of expected) {
    if (node.kind === 'file') {
      expect(Buffer.from(fs.readFile(path)).equals(node.data), path).toBe(true);
      files++;
    } else if (node.kind === 'symlink') {
      expect(fs.readlink(path), path).toBe(node.target);
    } else {
      const names = [...expected.keys()].filter((key) => key.startsWith(`${path}/`) && !key.slice(path.length + 1).includes('/')).map((key) => key.slice(path.length + 1));
      expect(fs.list(path).map((entry) => entry.name), path).toEqual(names.sort());
    }
  }
  const rootNames = [...expected.keys()].filter((key) => key.lastIndexOf('/') === 0).map((key) => key.slice(1));
  expect(fs.list('/').map((entry) => entry.name).filter((name) => !ignoreRoot.includes(name))).toEqual(rootNames.sort());
  return files;
}


/** Asserts two trees hold the same paths, kinds, symlink targets and file bytes (Buffer comparison, fast for large files). */
export function expectSameTree(actual: ReadonlyMap<string, TreeNode>, expected: ReadonlyMap<string, TreeNode>): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [path, node] of expected) {
    const other = actual.get(path)!;
    expect(other.kind, path).toBe(node.kind);
    if (node.kind === 'file' && other.kind === 'file') expect(other.data.equals(node.data), `${path} content`).toBe(true);
    if (node.kind === 'symlink' && other.kind === 'symlink') expect(other.target, path).toBe(node.target);
  }
}

/** Asserts each attempt throws an `FsError` with the paired `name` and leaves the file `image` with hash `before`. */
export function expectRefusedUnchanged(image: string, before: string, attempts: ReadonlyArray<readonly [() => void, string]>): void {
  for (const [attempt, name] of attempts) {
    let caught: unknown = null;
    try {
      attempt();
    } catch (error) {
      caught = error;
    }
    expect(caught, name).toBeInstanceOf(FsError);
    expect((caught as Error).name).toBe(name);
    expect(sha(image), name).toBe(before);
  }
}
