/**
 * formatExt and formatFat: the native checkers accept what they make, the native readers see
 * the files added afterwards, and the same options give the same bytes.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryDevice } from '../../src/fs/block-device.ts';
import { formatExt } from '../../src/fs/ext/format.ts';
import { formatFat } from '../../src/fs/fat/format.ts';
import type { FileSystem } from '../../src/fs/file-system.ts';
import { expectSameTree } from './expect-tree.ts';
import { type TreeNode, debugfsTree, e2fsckClean, fsckFatClean, mtoolsTree, run, scratch } from './native.ts';

const MIB = 1024 * 1024;

/** Builds a small root-file-system-like tree with `fs`, recording it in the returned model. */
function populate(fs: FileSystem, withLinks: boolean): Map<string, TreeNode> {
  const tree = new Map<string, TreeNode>();
  const put = (path: string, data: Buffer, mode?: number): void => {
    fs.writeFile(path, data, { parents: true, ...(mode === undefined ? {} : { mode }), uid: 1000, gid: 100, mtime: 1_600_000_000 });
    tree.set(path, { kind: 'file', data });
  };
  for (const dir of ['/bin', '/etc', '/usr', '/usr/share', '/usr/share/doc']) {
    fs.mkdir(dir, { mode: 0o755 });
    tree.set(dir, { kind: 'dir' });
  }
  put('/etc/hostname', Buffer.from('qedisk\n'));
  put('/bin/busybox', Buffer.alloc(900_000, 0x90), 0o755);
  for (let i = 0; i < 100; i++) put(`/usr/share/doc/file-${i}.txt`, Buffer.from(`document ${i}\n`.repeat(i)));
  if (withLinks) {
    fs.symlink('busybox', '/bin/sh');
    tree.set('/bin/sh', { kind: 'symlink', target: 'busybox' });
  }
  return tree;
}

describe('formatExt', () => {
  const work = scratch();
  for (const [kind, blockSize] of [['ext2', 4096], ['ext2', 1024], ['ext4', 4096], ['ext4', 1024]] as const) {
    it(`makes a clean ${kind} with ${blockSize}-byte blocks that debugfs reads, byte for byte reproducible`, () => {
      const images: string[] = [];
      for (const round of [1, 2]) {
        const device = new MemoryDevice(32 * MIB);
        const fs = formatExt(device, { kind, blockSize, label: 'root', uuid: '01234567-89ab-cdef-0123-456789abcdef', hashSeed: 'fedcba98-7654-3210-fedc-ba9876543210', timestamp: 1_700_000_000 });
        const tree = populate(fs, true);
        fs.mknod('/dev/console', 'char-device', { major: 5, minor: 1 }, { mode: 0o600, parents: true });
        const path = join(work, `${kind}-${blockSize}-${round}.img`);
        writeFileSync(path, device.bytes);
        images.push(createHash('sha256').update(device.bytes).digest('hex'));
        if (round === 1) {
          e2fsckClean(path);
          const native = debugfsTree(path);
          native.delete('/dev');
          native.delete('/dev/console');
          expectSameTree(native, tree);
          const stat = run('debugfs', ['-R', 'stat /bin/busybox', path]).toString();
          expect(stat).toMatch(/Mode:\s+0755/);
          expect(stat).toMatch(/User:\s+1000\s+Group:\s+100/);
          expect(run('debugfs', ['-R', 'stat /dev/console', path]).toString()).toMatch(/Device major\/minor number: 05:01/);
          const features = run('dumpe2fs', ['-h', path]).toString();
          expect(features).toMatch(/Filesystem UUID:\s+01234567-89ab-cdef-0123-456789abcdef/);
          expect(features).toMatch(/Directory Hash Seed:\s+fedcba98-7654-3210-fedc-ba9876543210/);
          if (kind === 'ext4') expect(features).toMatch(/metadata_csum/);
        }
      }
      expect(images[0]).toBe(images[1]);
    });
  }
});

describe('formatFat', () => {
  const work = scratch();
  for (const [type, size] of [[12, 4 * MIB], [16, 32 * MIB], [32, 40 * MIB]] as const) {
    it(`makes a clean FAT${type} that mtools reads, byte for byte reproducible`, () => {
      const hashes: string[] = [];
      for (const round of [1, 2]) {
        const device = new MemoryDevice(size);
        const fs = formatFat(device, { type, label: 'QEDISK', volumeId: 0x1234abcd, now: () => 1_700_000_000 });
        expect(fs.kind).toBe(`fat${type}`);
        const tree = populate(fs, false);
        hashes.push(createHash('sha256').update(device.bytes).digest('hex'));
        if (round === 1) {
          const path = join(work, `fat${type}.img`);
          writeFileSync(path, device.bytes);
          fsckFatClean(path);
          expectSameTree(mtoolsTree(path), tree);
          expect(run('mlabel', ['-s', '-i', path, '::']).toString()).toMatch(/QEDISK/);
          expect(readFileSync(path).readUInt32LE(type === 32 ? 67 : 39)).toBe(0x1234abcd);
        }
      }
      expect(hashes[0]).toBe(hashes[1]);
    });
  }
});
