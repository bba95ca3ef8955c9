/**
 * The worker's file-system requests (`worker/files/`) over the real engine in memory, with the
 * native tools as the oracle: reads match what mke2fs -d / mcopy put in, writes leave a file
 * system e2fsck -fn / fsck.fat -n call clean whose new files debugfs / mtools read back, and a
 * storage quota that runs out anywhere during a write leaves it clean too.
 */
import { describe, expect, it } from 'vitest';
import { FsNotEmptyError, FsNotFoundError, FsNotADirectoryError } from '../../src/fs/errors.ts';
import { openFileSystem } from '../../src/fs/open.ts';
import { FilesChangedError } from '../../src/protocol/files-errors.ts';
import { QedQuotaError } from '../../src/qed/errors.ts';
import { mkdirOperation, readChunk, renameOperation, rmOperation, writeOperation } from '../../worker/files/operations.ts';
import { VolumeRunner, directHost } from '../../worker/files/volume-runner.ts';
import { e2fsckClean, fsckFatClean, run, tool } from '../fs/native.ts';
import { exportRaw, ext4Disk, extractPartition, fatPartitionDisk, patternBytes, sourceOf } from './files-support.ts';

describe('files requests on an ext4 disk made by mke2fs -d', () => {
  it('list and read every file byte for byte as mke2fs put it there', async () => {
    const disk = ext4Disk();
    const runner = new VolumeRunner();
    const host = directHost(disk.image);
    const names = await runner.read(host, undefined, ({ fs }) => fs.list('/docs').map((entry) => entry.name));
    expect(names).toEqual([...disk.tree.keys()].filter((path) => /^\/docs\/[^/]+$/.test(path)).map((path) => path.slice('/docs/'.length)).sort());
    let files = 0;
    for (const [path, node] of disk.tree) {
      if (node.kind !== 'file') continue;
      const chunk = await runner.read(host, undefined, ({ fs }) => readChunk(fs, path, 0, 16 * 1024 * 1024, null));
      expect(Buffer.from(chunk.bytes).equals(node.data), path).toBe(true);
      files++;
    }
    expect(files).toBeGreaterThan(50);
  });

  it('writes, makes folders, renames and removes; e2fsck -fn is clean and debugfs reads the new files', async () => {
    const disk = ext4Disk();
    const runner = new VolumeRunner();
    const host = directHost(disk.image);
    const big = patternBytes(3 * 1024 * 1024 + 17, 1);
    const small = patternBytes(1000, 2);
    const stat = await runner.write(host, undefined, writeOperation('/new/deep/big.bin', sourceOf(big), { parents: true, mode: 0o600 }));
    expect(stat).toMatchObject({ type: 'file', size: big.byteLength, mode: 0o100600 });
    await runner.write(host, undefined, writeOperation('/small.txt', sourceOf(small), {}));
    await runner.write(host, undefined, mkdirOperation('/made', {}));
    await runner.write(host, undefined, renameOperation('/small.txt', '/made/moved.txt'));
    await runner.write(host, undefined, rmOperation('/docs', { recursive: true }));
    await expect(runner.write(host, undefined, rmOperation('/new', {}))).rejects.toBeInstanceOf(FsNotEmptyError);
    await expect(runner.write(host, undefined, writeOperation('/hello.txt/x', sourceOf(small), {}))).rejects.toBeInstanceOf(FsNotADirectoryError);
    await expect(runner.write(host, undefined, rmOperation('/missing', {}))).rejects.toBeInstanceOf(FsNotFoundError);
    const raw = exportRaw(disk.image);
    e2fsckClean(raw);
    expect(run('debugfs', ['-R', 'cat /new/deep/big.bin', raw]).equals(Buffer.from(big))).toBe(true);
    expect(run('debugfs', ['-R', 'cat /made/moved.txt', raw]).equals(Buffer.from(small))).toBe(true);
    expect(tool('debugfs', ['-R', 'stat /docs', raw]).stderr).toMatch(/File not found/);
    expect(disk.image.info().needsCheck).toBe(false);
  });

  it('notices a file that changed between two chunks of a read', async () => {
    const disk = ext4Disk();
    const runner = new VolumeRunner();
    const host = directHost(disk.image);
    const first = await runner.read(host, undefined, ({ fs }) => readChunk(fs, '/hello.txt', 0, 4, null));
    expect(new TextDecoder().decode(first.bytes)).toBe('hell');
    await runner.write(host, undefined, writeOperation('/hello.txt', sourceOf(patternBytes(5000, 3)), {}));
    await expect(runner.read(host, undefined, ({ fs }) => readChunk(fs, '/hello.txt', 4, 4, first.file))).rejects.toBeInstanceOf(FilesChangedError);
  });

  it('sees writes the disk took from elsewhere (the page’s block requests) on the next request', async () => {
    const disk = ext4Disk();
    const runner = new VolumeRunner();
    const host = directHost(disk.image);
    expect(await runner.read(host, undefined, ({ fs }) => fs.list('/').some((entry) => entry.name === 'outside.txt'))).toBe(false);
    // Another writer changes the file system on the image directly (as a guest or disk.write would).
    const { fs } = openFileSystem(disk.image);
    fs.writeFile('/outside.txt', new TextEncoder().encode('from elsewhere'));
    expect(await runner.read(host, undefined, ({ fs: cached }) => cached.list('/').some((entry) => entry.name === 'outside.txt'))).toBe(true);
  });
});

describe('a write that runs out of storage quota on a disk on a base', () => {
  /**
   * Writes a 300 KiB file into a folder that must be created on a fresh, empty overlay of the
   * image (so every block the write touches lands in a new cluster, metadata included) for every
   * quota limit from the overlay's current length on, in steps of a cluster, and checks the file
   * system with the native checker each time.
   */
  async function everyLimit(make: () => ReturnType<typeof ext4Disk>, check: (raw: string) => void, partition: number | undefined): Promise<{ failed: number; succeeded: number; errors: Set<string> }> {
    const data = patternBytes(300 * 1024, 9);
    const errors = new Set<string>();
    let failed = 0;
    let succeeded = 0;
    for (let step = 0; ; step++) {
      const disk = make();
      const length = disk.file.getSize();
      disk.file.setLimit(length + step * 64 * 1024);
      const runner = new VolumeRunner();
      const outcome = await runner.write(directHost(disk.image), partition, writeOperation('/quota/test/data.bin', sourceOf(data), { parents: true })).then(
        () => null,
        (error: unknown) => error,
      );
      disk.file.setLimit(null);
      check(exportRaw(disk.image));
      if (outcome === null) {
        succeeded++;
        break;
      }
      failed++;
      errors.add((outcome as Error).name);
      expect(outcome).toBeInstanceOf(QedQuotaError);
    }
    return { failed, succeeded, errors };
  }

  it('leaves ext4 clean for e2fsck -fn at every point it can stop, with QedQuotaError', async () => {
    const result = await everyLimit(() => ext4Disk(16, [], true), e2fsckClean, undefined);
    expect(result.failed).toBeGreaterThan(3);
    expect(result.errors).toEqual(new Set(['QedQuotaError']));
  });

  it('leaves FAT32 in an MBR partition clean for fsck.fat -n at every point it can stop', async () => {
    let start = 0;
    const result = await everyLimit(
      () => {
        const disk = fatPartitionDisk(40, true);
        start = disk.partitionStart;
        return disk;
      },
      (raw) => fsckFatClean(extractPartition(raw, start, 38 * 1024 * 1024)),
      1,
    );
    expect(result.failed).toBeGreaterThan(3);
  });

  it('would leave ext4 needing repair without the reservation (the checks above have teeth)', () => {
    const data = patternBytes(300 * 1024, 9);
    let dirtyAt = -1;
    for (let step = 0; step < 14 && dirtyAt < 0; step++) {
      const disk = ext4Disk(16, [], true);
      disk.file.setLimit(disk.file.getSize() + step * 64 * 1024);
      const { fs } = openFileSystem(disk.image);
      try {
        fs.writeFile('/quota/test/data.bin', data, { parents: true });
      } catch (error) {
        expect(error).toBeInstanceOf(QedQuotaError);
      }
      disk.file.setLimit(null);
      if (tool('e2fsck', ['-fn', exportRaw(disk.image)]).status !== 0) dirtyAt = step;
    }
    expect(dirtyAt).toBeGreaterThan(0);
  });
});
