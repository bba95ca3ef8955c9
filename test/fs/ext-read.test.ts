/**
 * ext2/ext3/ext4 reading against the native tools: images made by mke2fs -d from a known tree
 * (1 KiB and 4 KiB blocks, with and without metadata_csum/64bit/flex_bg/extents, htree made by
 * e2fsck -D), every file compared with the source and with debugfs rdump, listings, symlinks,
 * sparse files; the same through a QED image made by qemu-img.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { NodeFile } from '../../src/backends/node-file.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import { MemoryDevice } from '../../src/fs/block-device.ts';
import { openFileSystem } from '../../src/fs/open.ts';
import { type TreeNode, debugfsTree, makeTree, mke2fs, run, scratch } from './native.ts';
import { expectTree } from './expect-tree.ts';

const CONFIGS = [
  { name: 'ext2, 1 KiB blocks', kind: 'ext2', size: '16M', args: ['-t', 'ext2', '-b', '1024'] },
  { name: 'ext2, 4 KiB blocks, 128-byte inodes', kind: 'ext2', size: '32M', args: ['-t', 'ext2', '-b', '4096', '-I', '128'] },
  { name: 'ext3, 4 KiB blocks', kind: 'ext3', size: '32M', args: ['-t', 'ext3', '-b', '4096'] },
  { name: 'ext4 (metadata_csum, 64bit, flex_bg), 4 KiB blocks', kind: 'ext4', size: '32M', args: ['-t', 'ext4', '-b', '4096', '-O', 'metadata_csum,64bit,flex_bg,extent,dir_index'] },
  { name: 'ext4 without metadata_csum and 64bit (uninit_bg), 1 KiB blocks', kind: 'ext4', size: '16M', args: ['-t', 'ext4', '-b', '1024', '-O', '^metadata_csum,^64bit,uninit_bg'] },
  { name: 'ext4, 1 KiB blocks, htree directories (e2fsck -D)', kind: 'ext4', size: '16M', args: ['-t', 'ext4', '-b', '1024'], htree: true },
] as const;

describe('ext reading, against mke2fs and debugfs', () => {
  const work = scratch();
  const source = join(work, 'tree');
  let tree: Map<string, TreeNode>;
  beforeAll(() => {
    tree = makeTree(source, 1);
  });

  for (const config of CONFIGS) {
    it(`reads every file of ${config.name} byte-identical to the source and to debugfs`, () => {
      const image = join(work, `${config.name.replace(/\W+/g, '-')}.img`);
      mke2fs(image, config.size, config.args, source);
      if ('htree' in config) run('e2fsck', ['-fyD', image]);
      if ('htree' in config) expect(run('debugfs', ['-R', 'stat /big', image]).toString()).toMatch(/Flags: 0x\w*1\w{3}\b/);
      const { fs } = openFileSystem(new MemoryDevice(readFileSync(image)), { readOnly: true });
      expect(fs.kind).toBe(config.kind);
      expect(expectTree(fs, tree)).toBe([...tree.values()].filter((node) => node.kind === 'file').length);
      const native = debugfsTree(image);
      expect(expectTree(fs, native)).toBeGreaterThan(400);
      expect(fs.stat('/fast-link')).toMatchObject({ type: 'symlink', target: 'hello.txt' });
      expect(fs.stat('/docs/nested').type).toBe('directory');
      const chunks = [...fs.readFileChunks('/docs/nested/deeper/random-2m.bin', 300_000)];
      expect(chunks.length).toBe(Math.ceil((2 * 1024 * 1024 + 123) / 300_000));
      expect(Buffer.concat(chunks).equals(Buffer.from(fs.readFile('/docs/nested/deeper/random-2m.bin')))).toBe(true);
    });
  }

  it('reads the same files through a QED image made by qemu-img convert', () => {
    const image = join(work, 'ext4-for-qed.img');
    mke2fs(image, '32M', ['-t', 'ext4'], source);
    const qed = join(work, 'ext4.qed');
    run('qemu-img', ['convert', '-f', 'raw', '-O', 'qed', image, qed]);
    const qedImage = QedImage.open(NodeFile.open(qed, 'read'), { readOnly: true });
    try {
      const { fs } = openFileSystem(qedImage, { readOnly: true });
      expect(expectTree(fs, tree)).toBeGreaterThan(400);
      const buffer = new Uint8Array(1000);
      expect(fs.readFileInto('/docs/size-4097.bin', 4000, buffer)).toBe(97);
      expect(fs.readOnly).toBe(true);
      expect(openFileSystem(qedImage).fs.readOnly).toBe(true);
    } finally {
      qedImage.close();
    }
  });
});
