/**
 * The newc cpio writer against GNU cpio (the oracle): `cpio -i` unpacks what it wrote with the
 * same contents, modes, link targets and times; `cpio -tv` lists owners; and the bytes follow the
 * format's fixed layout.
 */
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeCpioNewc } from '../../scripts/guest-assets/cpio-newc.ts';
import { FileTree } from '../../scripts/guest-assets/file-tree.ts';
import { hasCommand } from './support/fake-deb.ts';

const encoder = new TextEncoder();

/** A tree with every kind of entry, odd sizes (padding) and unusual modes. */
function sampleTree(): FileTree {
  const tree = new FileTree(1_650_000_000);
  tree.addDirectory('bin');
  tree.addFile('bin/tool', encoder.encode('#!/bin/sh\necho hi\n'), { mode: 0o755 });
  tree.addFile('empty', new Uint8Array(0));
  tree.addFile('a/b/c/deep.txt', encoder.encode('x'), { mode: 0o600, uid: 1000, gid: 100 });
  tree.addDirectory('tmp', { mode: 0o1777 });
  tree.addSymlink('bin/sh', '/bin/busybox');
  tree.addFile('odd', new Uint8Array(1027).map((_, index) => index & 0xff));
  return tree;
}

describe('writeCpioNewc', () => {
  it('starts every member with a 070701 header at a 4-byte boundary and ends with TRAILER!!!', () => {
    const archive = writeCpioNewc(sampleTree().entries());
    const text = Buffer.from(archive).toString('latin1');
    expect(archive.byteLength % 4).toBe(0);
    expect(text.startsWith('070701')).toBe(true);
    expect(text).toContain('TRAILER!!!\0');
    const firstName = text.slice(110, 112);
    expect(firstName).toBe('.\0');
    // The name size field (12th) of the root entry counts the NUL: 2.
    expect(Number.parseInt(text.slice(6 + 11 * 8, 6 + 12 * 8), 16)).toBe(2);
  });

  it('unpacks with cpio -i to the same files, modes, link targets and times', ({ skip }) => {
    if (!hasCommand('cpio')) skip();
    const dir = mkdtempSync(join(tmpdir(), 'qedisk-cpio-'));
    try {
      const result = spawnSync('cpio', ['-i', '-d', '-m', '--quiet', '--no-absolute-filenames'], { cwd: dir, input: writeCpioNewc(sampleTree().entries()) });
      expect(result.status, result.stderr.toString()).toBe(0);
      for (const entry of sampleTree().entries()) {
        const path = join(dir, entry.path);
        const info = lstatSync(path);
        if (entry.type === 'file') expect(new Uint8Array(readFileSync(path))).toEqual(entry.data);
        if (entry.type === 'symlink') expect(readlinkSync(path)).toBe(entry.target);
        // cpio -i leaves the folder it unpacks into (".") as it is.
        if (entry.type !== 'symlink' && entry.path !== '') expect(info.mode & 0o7777, entry.path).toBe(entry.mode);
        if (entry.type === 'file') expect(info.mtimeMs / 1000).toBe(1_650_000_000);
        expect(info.isDirectory()).toBe(entry.type === 'directory');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists with cpio -tv the names in tree order with their owners', ({ skip }) => {
    if (!hasCommand('cpio')) skip();
    const result = spawnSync('cpio', ['-t', '-v', '--numeric-uid-gid', '--quiet'], { input: writeCpioNewc(sampleTree().entries()) });
    expect(result.status).toBe(0);
    const lines = result.stdout.toString().trim().split('\n');
    expect(lines.map((line) => line.split(/\s+/).slice(8).join(' '))).toEqual(['.', 'a', 'a/b', 'a/b/c', 'a/b/c/deep.txt', 'bin', 'bin/sh -> /bin/busybox', 'bin/tool', 'empty', 'odd', 'tmp']);
    const deep = lines.find((line) => line.endsWith('deep.txt')) ?? '';
    expect(deep.split(/\s+/).slice(0, 4)).toEqual(['-rw-------', '1', '1000', '100']);
    expect(lines.find((line) => line.endsWith(' tmp'))?.startsWith('drwxrwxrwt')).toBe(true);
  });

  it('gives the same bytes for the same tree', () => {
    expect(writeCpioNewc(sampleTree().entries())).toEqual(writeCpioNewc(sampleTree().entries()));
  });
});

describe('FileTree', () => {
  it('creates missing parents as 0755 directories and lists parents before children', () => {
    const tree = new FileTree();
    tree.addFile('x/y/z', encoder.encode('z'));
    expect(tree.entries().map((entry) => [entry.path, entry.type, entry.mode])).toEqual([
      ['', 'directory', 0o755],
      ['x', 'directory', 0o755],
      ['x/y', 'directory', 0o755],
      ['x/y/z', 'file', 0o644],
    ]);
  });

  it('refuses paths with .. or empty components, and a file over a directory', () => {
    const tree = new FileTree();
    expect(() => tree.addFile('../etc/passwd', new Uint8Array(0))).toThrow(expect.objectContaining({ name: 'GuestAssetsFormatError' }));
    expect(() => tree.addFile('a//b', new Uint8Array(0))).toThrow(expect.objectContaining({ name: 'GuestAssetsFormatError' }));
    tree.addDirectory('d');
    expect(() => tree.addFile('d', new Uint8Array(0))).toThrow(expect.objectContaining({ name: 'GuestAssetsFormatError' }));
  });
});
