/**
 * FAT12/16/32 against mkfs.fat, mcopy and fsck.fat: every file mcopy put in reads back
 * byte-identical (long names included); after writes fsck.fat -n finds nothing and mcopy reads
 * the expected tree; failing operations leave the image byte-identical.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryDevice } from '../../src/fs/block-device.ts';
import type { FileSystem } from '../../src/fs/file-system.ts';
import { NodeFileDevice } from '../../src/fs/node-device.ts';
import { openFileSystem } from '../../src/fs/open.ts';
import { expectRefusedUnchanged, expectSameTree, expectTree } from './expect-tree.ts';
import { type TreeNode, fsckFatClean, makeTree, mcopyIn, mtoolsTree, run, scratch, sha } from './native.ts';

const CONFIGS = [
  { type: 12, sizeKiB: 4096, args: [] },
  { type: 16, sizeKiB: 24 * 1024, args: ['-s', '1'] },
  { type: 32, sizeKiB: 48 * 1024, args: ['-s', '1'] },
] as const;

function mkfsFat(image: string, type: number, sizeKiB: number, args: readonly string[]): void {
  run('mkfs.fat', ['-F', String(type), ...args, '-C', image, String(sizeKiB)]);
}

/** A fixed batch of writes applied to `fs` and to the model. */
function writeBatch(fs: FileSystem, tree: Map<string, TreeNode>): void {
  const put = (path: string, data: Buffer): void => {
    fs.writeFile(path, data);
    tree.set(path, { kind: 'file', data });
  };
  put('/NEW.TXT', Buffer.from('upper-case 8.3 name\n'));
  put('/lower.txt', Buffer.from('lower-case 8.3 name\n'));
  put('/A new file with a long name.data', Buffer.alloc(70_000, 0x5a));
  put('/hello.txt', Buffer.alloc(20_000, 1));
  put('/docs/size-4097.bin', Buffer.from('shrunk'));
  fs.mkdir('/Made By/qedisk', { parents: true });
  tree.set('/Made By', { kind: 'dir' });
  tree.set('/Made By/qedisk', { kind: 'dir' });
  for (let i = 0; i < 40; i++) put(`/Made By/qedisk/generated name number ${i}.bin`, Buffer.alloc(i * 300, i));
  for (let i = 0; i < 30; i += 4) {
    const path = `/big/entry-with-a-longish-name-${String(i).padStart(4, '0')}`;
    fs.rm(path);
    tree.delete(path);
  }
  fs.rename('/docs/size-1.bin', '/Made By/moved one.bin');
  tree.set('/Made By/moved one.bin', tree.get('/docs/size-1.bin')!);
  tree.delete('/docs/size-1.bin');
  fs.rename('/docs/nested', '/Made By/nested moved');
  for (const [path, node] of [...tree]) {
    if (path === '/docs/nested' || path.startsWith('/docs/nested/')) {
      tree.delete(path);
      tree.set(`/Made By/nested moved${path.slice('/docs/nested'.length)}`, node);
    }
  }
  fs.rm('/empty dir');
  tree.delete('/empty dir');
}

describe('FAT, against mkfs.fat, mcopy and fsck.fat', () => {
  const work = scratch();
  const source = join(work, 'tree');
  const base = makeTree(source, 3, { fat: true, bigDirEntries: 120 });

  for (const config of CONFIGS) {
    it(`reads FAT${config.type} written by mcopy, long names included, byte-identical`, () => {
      const image = join(work, `read${config.type}.img`);
      mkfsFat(image, config.type, config.sizeKiB, config.args);
      mcopyIn(image, source);
      const { fs } = openFileSystem(new MemoryDevice(readFileSync(image)), { readOnly: true });
      expect(fs.kind).toBe(`fat${config.type}`);
      expect(expectTree(fs, base)).toBe([...base.values()].filter((node) => node.kind === 'file').length);
      expectSameTree(mtoolsTree(image), base);
      expect(fs.stat('/docs/A Long Mixed Case Name.Text').size).toBe(10);
      expect(fs.stat('/DOCS/a long mixed case name.text').size).toBe(10);
    });

    it(`leaves FAT${config.type} clean for fsck.fat after creating, replacing, renaming and removing`, () => {
      const image = join(work, `write${config.type}.img`);
      mkfsFat(image, config.type, config.sizeKiB, config.args);
      mcopyIn(image, source);
      const tree = new Map(base);
      const device = NodeFileDevice.open(image, 'readwrite');
      try {
        const { fs } = openFileSystem(device, { now: () => 1_700_000_000 });
        writeBatch(fs, tree);
        expectTree(fs, tree);
      } finally {
        device.close();
      }
      fsckFatClean(image);
      expectSameTree(mtoolsTree(image), tree);
      const listing = run('mdir', ['-i', image, '::/']).toString();
      expect(listing).toMatch(/^lower\s+txt\s/m);
      expect(listing).toMatch(/A new file with a long name\.data/);
    });
  }

  it('keeps both FAT copies equal and FAT32 FSInfo exact', () => {
    const image = join(work, 'fsinfo.img');
    mkfsFat(image, 32, 48 * 1024, ['-s', '1']);
    const device = NodeFileDevice.open(image, 'readwrite');
    const { fs } = openFileSystem(device);
    fs.writeFile('/a', Buffer.alloc(100_000, 1));
    fs.mkdir('/d');
    fs.rm('/a');
    fs.writeFile('/b', Buffer.alloc(3000, 2));
    const bytes = readFileSync(image);
    const reserved = bytes.readUInt16LE(14);
    const fatBytes = bytes.readUInt32LE(36) * 512;
    expect(bytes.subarray(reserved * 512, reserved * 512 + fatBytes).equals(bytes.subarray(reserved * 512 + fatBytes, reserved * 512 + 2 * fatBytes))).toBe(true);
    const free = bytes.readUInt32LE(512 + 488);
    expect(fs.usage().freeBytes / 512).toBe(free);
    device.close();
    expect(fsckFatClean(image)).not.toMatch(/Free cluster summary/);
  });

  it('refuses failing operations with typed errors and leaves the image byte-identical', () => {
    const image = join(work, 'errors.img');
    mkfsFat(image, 12, 1440, []);
    const device = NodeFileDevice.open(image, 'readwrite');
    const { fs } = openFileSystem(device);
    fs.mkdir('/dir');
    fs.writeFile('/dir/file', Buffer.from('x'));
    const before = sha(image);
    const attempts: Array<[() => void, string]> = [
      [() => fs.writeFile('/too-big', Buffer.alloc(2 * 1024 * 1024)), 'FsNoSpaceError'],
      [() => fs.writeFile('/missing/file', Buffer.from('x')), 'FsNotFoundError'],
      [() => fs.writeFile('/dir/file/below', Buffer.from('x')), 'FsNotADirectoryError'],
      [() => fs.writeFile(`/${'n'.repeat(256)}`, Buffer.from('x')), 'FsInvalidPathError'],
      [() => fs.writeFile('/bad:name', Buffer.from('x')), 'FsInvalidPathError'],
      [() => fs.mkdir('/DIR'), 'FsExistsError'],
      [() => fs.rm('/dir'), 'FsNotEmptyError'],
      [() => fs.symlink('a', '/b'), 'FsUnsupportedError'],
    ];
    expectRefusedUnchanged(image, before, attempts);
    // Fill the fixed root directory of FAT12 (224 entries) with long names: the failing one changes nothing.
    let made = 0;
    try {
      for (; made < 1000; made++) fs.writeFile(`/a rather long file name number ${made}`, Buffer.alloc(0));
    } catch (error) {
      expect((error as Error).name).toBe('FsNoSpaceError');
    }
    expect(made).toBeGreaterThan(20);
    const full = sha(image);
    expect(() => fs.writeFile(`/a rather long file name number ${made}`, Buffer.alloc(0))).toThrow(expect.objectContaining({ name: 'FsNoSpaceError' }));
    expect(sha(image)).toBe(full);
    device.close();
    fsckFatClean(image);
  });
});
