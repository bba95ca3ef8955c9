/**
 * ext2/ext3/ext4 writing, checked by the native tools: after each batch of writes e2fsck -fn
 * finds nothing and debugfs reads back exactly the expected tree; failing operations throw typed
 * errors and leave the image byte-identical.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NodeFileDevice } from '../../src/fs/node-device.ts';
import { openFileSystem } from '../../src/fs/open.ts';
import type { FileSystem } from '../../src/fs/file-system.ts';
import { type TreeNode, debugfsTree, e2fsckClean, makeTree, mke2fs, run, scratch, sha } from './native.ts';
import { expectRefusedUnchanged, expectSameTree, expectTree } from './expect-tree.ts';

const CONFIGS = [
  { name: 'ext2, 1 KiB blocks', args: ['-t', 'ext2', '-b', '1024'] },
  { name: 'ext3, 4 KiB blocks', args: ['-t', 'ext3', '-b', '4096'] },
  { name: 'ext4 (metadata_csum, 64bit, flex_bg), 4 KiB blocks', args: ['-t', 'ext4', '-b', '4096', '-O', 'metadata_csum,64bit,flex_bg,extent,dir_index'] },
  { name: 'ext4 (uninit_bg), 1 KiB blocks, htree directories', args: ['-t', 'ext4', '-b', '1024', '-O', '^metadata_csum,^64bit,uninit_bg'], htree: true },
  { name: 'ext4 (metadata_csum), 1 KiB blocks, htree directories', args: ['-t', 'ext4', '-b', '1024'], htree: true },
] as const;

/** Random-looking bytes of `length`, from `seed`. */
function pattern(length: number, seed: number): Buffer {
  const data = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    data[i] = x & 0xff;
  }
  return data;
}

/** Applies a fixed batch of writes to `fs` and to the model `tree`. */
function writeBatch(fs: FileSystem, tree: Map<string, TreeNode>): void {
  const put = (path: string, data: Buffer): void => {
    fs.writeFile(path, data);
    tree.set(path, { kind: 'file', data });
  };
  put('/new-small.txt', Buffer.from('written by qedisk\n'));
  put('/new-empty', Buffer.alloc(0));
  put('/new-1m.bin', pattern(1024 * 1024 + 5, 7));
  put('/hello.txt', pattern(300_000, 8));
  put('/docs/size-70000.bin', Buffer.from('shrunk'));
  fs.mkdir('/made/by/qedisk', { parents: true });
  for (const path of ['/made', '/made/by', '/made/by/qedisk']) tree.set(path, { kind: 'dir' });
  put('/made/by/qedisk/inside.bin', pattern(9000, 9));
  fs.symlink('made/by/qedisk/inside.bin', '/new-fast-link');
  tree.set('/new-fast-link', { kind: 'symlink', target: 'made/by/qedisk/inside.bin' });
  const slow = `/${'x'.repeat(200)}`;
  fs.symlink(slow, '/new-slow-link');
  tree.set('/new-slow-link', { kind: 'symlink', target: slow });
  for (let i = 0; i < 30; i++) put(`/big/added-${i}`, pattern(i * 100, i + 100));
  for (let i = 0; i < 40; i += 3) {
    fs.rm(`/big/entry-with-a-longish-name-${String(i).padStart(4, '0')}`);
    tree.delete(`/big/entry-with-a-longish-name-${String(i).padStart(4, '0')}`);
  }
  fs.rename('/docs/size-1.bin', '/made/moved.bin');
  tree.set('/made/moved.bin', tree.get('/docs/size-1.bin')!);
  tree.delete('/docs/size-1.bin');
  fs.rename('/docs/nested', '/made/by/nested-moved');
  for (const [path, node] of [...tree]) {
    if (path === '/docs/nested' || path.startsWith('/docs/nested/')) {
      tree.delete(path);
      tree.set(`/made/by/nested-moved${path.slice('/docs/nested'.length)}`, node);
    }
  }
  fs.rename('/new-small.txt', '/hello.txt');
  tree.set('/hello.txt', tree.get('/new-small.txt')!);
  tree.delete('/new-small.txt');
  fs.rm('/empty dir');
  tree.delete('/empty dir');
  fs.rm('/fast-link');
  tree.delete('/fast-link');
}

describe('ext writing, checked by e2fsck and debugfs', () => {
  const work = scratch();
  const source = join(work, 'tree');
  const base = makeTree(source, 2, { bigDirEntries: 300 });

  for (const config of CONFIGS) {
    it(`leaves ${config.name} clean after creating, replacing, renaming and removing`, () => {
      const image = join(work, `${config.name.replace(/\W+/g, '-')}.img`);
      mke2fs(image, '24M', config.args, source);
      if ('htree' in config) run('e2fsck', ['-fyD', image]);
      const tree = new Map(base);
      const device = NodeFileDevice.open(image, 'readwrite');
      try {
        const { fs } = openFileSystem(device, { now: () => 1_700_000_000 });
        expect(fs.readOnly).toBe(false);
        writeBatch(fs, tree);
        expectTree(fs, tree);
      } finally {
        device.close();
      }
      e2fsckClean(image);
      expectSameTree(debugfsTree(image), tree);
    });
  }

  it('refuses failing operations with typed errors and leaves the image byte-identical', () => {
    const image = join(work, 'errors.img');
    mke2fs(image, '8M', ['-t', 'ext4', '-b', '1024']);
    const device = NodeFileDevice.open(image, 'readwrite');
    const { fs } = openFileSystem(device);
    fs.mkdir('/dir');
    fs.writeFile('/dir/file', Buffer.from('x'));
    device.flush();
    const before = sha(image);
    const attempts: Array<[() => void, string]> = [
      [() => fs.writeFile('/too-big', Buffer.alloc(9 * 1024 * 1024)), 'FsNoSpaceError'],
      [() => fs.writeFile('/missing/file', Buffer.from('x')), 'FsNotFoundError'],
      [() => fs.writeFile('/dir/file/below', Buffer.from('x')), 'FsNotADirectoryError'],
      [() => fs.writeFile(`/${'n'.repeat(256)}`, Buffer.from('x')), 'FsInvalidPathError'],
      [() => fs.writeFile('/dir', Buffer.from('x')), 'FsIsADirectoryError'],
      [() => fs.mkdir('/dir'), 'FsExistsError'],
      [() => fs.rm('/dir'), 'FsNotEmptyError'],
      [() => fs.rename('/dir', '/dir/inside'), 'FsInvalidPathError'],
      [() => fs.writeFile('relative', Buffer.from('x')), 'FsInvalidPathError'],
    ];
    expectRefusedUnchanged(image, before, attempts);
    // Fill the disk with many files until it is full: the last failing write changes nothing.
    let written = 0;
    try {
      for (; written < 10_000; written++) fs.writeFile(`/fill-${written}`, Buffer.alloc(100_000, 1));
    } catch (error) {
      expect((error as Error).name).toBe('FsNoSpaceError');
    }
    expect(written).toBeGreaterThan(10);
    device.close();
    e2fsckClean(image);
    expect(readFileSync(image).length).toBe(8 * 1024 * 1024);
  });

  it('replays a journal that needs recovery in memory as e2fsck does (revokes included), and refuses writes', () => {
    const image = join(work, 'recover.img');
    mke2fs(image, '16M', ['-t', 'ext4', '-b', '4096'], source);
    const bmap = (path: string): string => run('debugfs', ['-R', `bmap ${path} 0`, image]).toString().trim();
    const hello = bmap('/hello.txt');
    const other = bmap('/docs/size-4097.bin');
    const data = join(work, 'journal-data');
    writeFileSync(data, Buffer.concat([Buffer.from('from the journal\n'), Buffer.alloc(4096 - 17)]));
    // Three transactions: write /hello.txt's block, revoke it, write another file's block.
    const script = ['jo', `jw -b ${hello} ${data}`, 'jc', 'jo', `jw -r ${hello}`, 'jc', 'jo', `jw -b ${other} ${data}`, 'jc'].join('\n');
    writeFileSync(join(work, 'journal.cmd'), `${script}\n`);
    run('debugfs', ['-w', '-f', join(work, 'journal.cmd'), image]);
    expect(run('dumpe2fs', ['-h', image]).toString()).toMatch(/needs_recovery/);
    const before = sha(image);
    const replayed = join(work, 'replayed.img');
    writeFileSync(replayed, readFileSync(image));
    run('e2fsck', ['-fy', replayed]);
    const device = NodeFileDevice.open(image, 'readwrite');
    try {
      const { fs } = openFileSystem(device);
      expect(fs.readOnly).toBe(true);
      for (const path of ['/hello.txt', '/docs/size-4097.bin']) {
        expect(Buffer.from(fs.readFile(path)).equals(run('debugfs', ['-R', `cat ${path}`, replayed])), path).toBe(true);
      }
      expect(Buffer.from(fs.readFile('/docs/size-4097.bin')).subarray(0, 17).toString()).toBe('from the journal\n');
      expect(() => fs.writeFile('/x', Buffer.from('x'))).toThrow(expect.objectContaining({ name: 'FsJournalRecoveryError' }));
    } finally {
      device.close();
    }
    expect(sha(image)).toBe(before);
  });

  it('opens a file system that was not cleanly unmounted read-only and says why', () => {
    const image = join(work, 'dirty.img');
    mke2fs(image, '8M', ['-t', 'ext2']);
    run('debugfs', ['-w', '-R', 'ssv state 0', image]);
    const device = NodeFileDevice.open(image, 'readwrite');
    try {
      const { fs } = openFileSystem(device);
      expect(fs.readOnly).toBe(true);
      expect(() => fs.writeFile('/x', Buffer.from('x'))).toThrow(expect.objectContaining({ name: 'FsReadOnlyError', message: expect.stringMatching(/not unmounted cleanly/) }));
    } finally {
      device.close();
    }
    writeFileSync(join(work, 'done'), '');
  });
});
