/**
 * Finding an ext file system's free blocks for the demo's "free what the guest deleted" (v86 has
 * no TRIM): the ranges match what `dumpe2fs` lists as free, discarding them loses nothing
 * (`e2fsck -fn` passes, the kept files read back), and a compaction then gives the space back.
 * A file system that is mounted or not cleanly unmounted is left alone.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { compactImageFile } from '../../src/engine/compact.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import { openFileSystem } from '../../src/fs/index.ts';
import { discardFreeBlocks, findFreeRanges } from '../../worker/storage/free-blocks.ts';
import { pattern } from '../support/images.ts';

const KIB = 1024;
const MIB = 1024 * KIB;
const dir = mkdtempSync(join(tmpdir(), 'qedisk-free-blocks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a program, returning stdout; throws on failure. */
function run(program: string, args: string[]): string {
  return execFileSync(program, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The free blocks `dumpe2fs` lists, as block numbers. */
function dumpe2fsFree(image: string): Set<number> {
  const free = new Set<number>();
  for (const match of run('dumpe2fs', [image]).matchAll(/^\s+Free blocks: (.*)$/gm)) {
    for (const part of (match[1] ?? '').split(',').map((text) => text.trim()).filter(Boolean)) {
      const [from, to] = part.split('-').map(Number);
      for (let block = from!; block <= (to ?? from!); block++) free.add(block);
    }
  }
  return free;
}

/** A 32 MiB ext image (4 KiB blocks) with `keep.bin` and, written then removed, 12 MiB of `gone-*.bin`. */
function makeImage(name: string, kind: 'ext2' | 'ext4'): string {
  const image = join(dir, `${name}.raw`);
  run('mke2fs', ['-q', '-F', '-t', kind, '-b', '4096', image, '32M']);
  writeFileSync(join(dir, 'keep.bin'), pattern(MIB + 123, 1));
  const commands = ['write ' + join(dir, 'keep.bin') + ' keep.bin'];
  for (let i = 0; i < 3; i++) {
    writeFileSync(join(dir, `gone-${i}.bin`), pattern(4 * MIB, 10 + i));
    commands.push(`write ${join(dir, `gone-${i}.bin`)} gone-${i}.bin`);
  }
  writeFileSync(join(dir, 'fill.cmd'), commands.join('\n') + '\n');
  run('debugfs', ['-w', '-f', join(dir, 'fill.cmd'), image]);
  writeFileSync(join(dir, 'rm.cmd'), ['rm gone-0.bin', 'rm gone-1.bin', 'rm gone-2.bin'].join('\n') + '\n');
  run('debugfs', ['-w', '-f', join(dir, 'rm.cmd'), image]);
  return image;
}

/** A QED image (64 KiB clusters) holding the raw image's bytes, as a guest would have written them. */
function asQed(raw: string): MemoryFile {
  const file = new MemoryFile();
  const bytes = readFileSync(raw);
  const image = QedImage.create(file, { size: bytes.byteLength });
  image.write(0, bytes);
  image.close();
  return new MemoryFile(file.snapshot());
}

let ext2 = '';
beforeAll(() => {
  ext2 = makeImage('plain', 'ext2');
});

describe('findFreeRanges', () => {
  it('lists exactly the blocks dumpe2fs lists as free', () => {
    for (const image of [ext2, makeImage('journaled', 'ext4')]) {
      const file = asQed(image);
      const qed = QedImage.open(file, { readOnly: true });
      const found = findFreeRanges(qed);
      if ('skipped' in found) throw new Error(found.skipped);
      const ours = new Set<number>();
      for (const range of found.ranges) for (let at = range.start; at < range.start + range.length; at += 4096) ours.add(at / 4096);
      expect(ours).toEqual(dumpe2fsFree(image));
      expect(found.freeBytes).toBe(ours.size * 4096);
      qed.close();
    }
  });

});

describe('discardFreeBlocks', () => {
  it('discards what the deleted files held; nothing kept changes, e2fsck is clean, and compaction gives the space back', () => {
    const file = asQed(ext2);
    const image = QedImage.open(file);
    const before = image.info().allocatedBytes;
    const result = discardFreeBlocks(image);
    expect(result).toMatchObject({ fileSystem: 'ext2', skipped: null });
    expect(result.discardedBytes).toBeGreaterThan(11 * MIB); // 12 MiB deleted, less the clusters shared with used blocks
    expect(image.info().allocatedBytes).toBe(before - result.discardedBytes);
    const { fs } = openFileSystem(image, { readOnly: true });
    expect(Buffer.compare(fs.readFile('/keep.bin'), pattern(MIB + 123, 1))).toBe(0);
    const raw = join(dir, 'discarded.raw');
    writeFileSync(raw, image.read(0, image.size));
    image.close();
    run('e2fsck', ['-fn', raw]);
    const compacted = new MemoryFile();
    const report = compactImageFile(new MemoryFile(file.snapshot()), compacted);
    expect(report.bytesBefore - report.bytesAfter).toBeGreaterThanOrEqual(result.discardedBytes);
    const reopened = QedImage.open(compacted, { readOnly: true });
    expect(Buffer.compare(reopened.read(0, reopened.size), readFileSync(raw))).toBe(0);
    reopened.close();
  });

  it('leaves a file system that is mounted (not cleanly unmounted) alone', () => {
    const bytes = readFileSync(ext2);
    bytes[1024 + 0x3a] = 0; // s_state: the VALID bit clear, as a read-write mount leaves it
    const image = QedImage.create(new MemoryFile(), { size: bytes.byteLength });
    image.write(0, bytes);
    const before = image.info().allocatedBytes;
    expect(discardFreeBlocks(image)).toMatchObject({ fileSystem: 'ext2', discardedBytes: 0, skipped: expect.stringMatching(/not unmounted cleanly/) });
    expect(image.info().allocatedBytes).toBe(before);
    image.close();
  });

  it('says why when there is no ext file system', () => {
    const image = QedImage.create(new MemoryFile(), { size: 8 * MIB });
    image.write(0, pattern(64 * KIB, 3));
    expect(discardFreeBlocks(image)).toMatchObject({ fileSystem: null, discardedBytes: 0, skipped: expect.stringMatching(/no file system/) });
    image.close();
  });
});
