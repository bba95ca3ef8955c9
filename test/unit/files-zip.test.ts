/**
 * Zip archives of a disk's folders (`worker/files/zip-builder.ts`) over the real engine, checked
 * with Info-ZIP's `unzip` as the oracle: names, modes, links and every byte.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFileSystem } from '../../src/fs/open.ts';
import { FilesChangedError } from '../../src/protocol/files-errors.ts';
import { ZipBuilder, planZip } from '../../worker/files/zip-builder.ts';
import { readHostTree, run, scratch } from '../fs/native.ts';
import { ext4Disk, patternBytes } from './files-support.ts';

/** The whole archive of `path`, pulled in pieces of at least `pieceBytes`. */
function zipAll(fs: ReturnType<typeof openFileSystem>['fs'], path: string, options: ConstructorParameters<typeof ZipBuilder>[1], pieceBytes: number): { bytes: Buffer; pieces: number } {
  const builder = new ZipBuilder(planZip(fs, path), options);
  const parts: Uint8Array[] = [];
  for (let piece = builder.next(fs, pieceBytes); piece !== null; piece = builder.next(fs, pieceBytes)) parts.push(piece);
  return { bytes: Buffer.concat(parts), pieces: parts.length };
}

describe('zip archives of a folder', () => {
  for (const compression of ['deflate', 'store'] as const) {
    it(`hold every file, folder and link of the tree, byte for byte (${compression})`, () => {
      const disk = ext4Disk();
      const { fs } = openFileSystem(disk.image);
      const { bytes, pieces } = zipAll(fs, '/', { compression, level: 1 }, 256 * 1024);
      expect(pieces).toBeGreaterThan(1);
      const dir = scratch('qedisk-files-zip-');
      const zipPath = join(dir, 'all.zip');
      writeFileSync(zipPath, bytes);
      run('unzip', ['-q', zipPath, '-d', join(dir, 'out')]);
      const extracted = readHostTree(join(dir, 'out'));
      extracted.delete('/lost+found');
      expect(new Map([...extracted].map(([path, node]) => [path, node.kind === 'file' ? node.data.toString('base64') : node]))).toEqual(
        new Map([...disk.tree].map(([path, node]) => [path, node.kind === 'file' ? node.data.toString('base64') : node])),
      );
      const listing = run('zipinfo', [zipPath]).toString();
      expect(listing).toMatch(/^lrwxrwxrwx .* fast-link$/m);
      expect(listing).toMatch(/^drwxr-xr-x .* docs\/$/m);
      expect(listing).toMatch(compression === 'deflate' ? / def[NXFS] / : / stor /);
    });
  }

  it('of one folder puts its contents under its name; of one file, just the file', () => {
    const disk = ext4Disk();
    const { fs } = openFileSystem(disk.image);
    const dir = scratch('qedisk-files-zip-');
    const folder = join(dir, 'nested.zip');
    writeFileSync(folder, zipAll(fs, '/docs/nested', {}, 64 * 1024).bytes);
    expect(run('unzip', ['-Z1', folder]).toString().trim().split('\n')).toEqual(['nested/', 'nested/deeper/', 'nested/deeper/random-2m.bin']);
    const file = join(dir, 'file.zip');
    writeFileSync(file, zipAll(fs, '/hello.txt', {}, 64 * 1024).bytes);
    expect(run('unzip', ['-p', file, 'hello.txt']).toString()).toBe('hello, disk\n');
    expect(readFileSync(file).subarray(0, 4).toString('hex')).toBe('504b0304');
  });

  it('stops with FilesChangedError when a file changes while it is being zipped', () => {
    const disk = ext4Disk();
    const { fs } = openFileSystem(disk.image);
    const builder = new ZipBuilder(planZip(fs, '/docs/nested'), { compression: 'store' });
    expect(builder.next(fs, 1)).not.toBeNull(); // the folder entries and the start of the 2 MiB file
    const { fs: writer } = openFileSystem(disk.image);
    writer.writeFile('/docs/nested/deeper/random-2m.bin', patternBytes(100, 5));
    const { fs: reopened } = openFileSystem(disk.image);
    expect(() => {
      for (let i = 0; i < 8; i++) builder.next(reopened, 1024 * 1024);
    }).toThrow(FilesChangedError);
  });
});
