/**
 * Damaged file systems give typed errors in bounded work and memory: mutated ext and FAT
 * metadata (a seeded fuzz over images made by the native tools), extent trees that loop, symlink
 * loops, absurd file sizes, FAT chains with cycles. Work is bounded by counting device reads,
 * never by the clock.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BlockDevice } from '../../src/fs/block-device.ts';
import { MemoryDevice } from '../../src/fs/block-device.ts';
import { FsError } from '../../src/fs/errors.ts';
import type { FileSystem } from '../../src/fs/file-system.ts';
import { openFileSystem } from '../../src/fs/open.ts';
import { mulberry32 } from '../support/mulberry32.ts';
import { makeTree, mcopyIn, mke2fs, run, scratch } from './native.ts';

/** A device that counts the bytes read through it. */
function counting(bytes: Uint8Array): BlockDevice & { bytesRead: number } {
  const inner = new MemoryDevice(bytes);
  const device = {
    bytesRead: 0,
    size: inner.size,
    readInto(offset: number, target: Uint8Array): void {
      device.bytesRead += target.length;
      inner.readInto(offset, target);
    },
    write(offset: number, data: Uint8Array): void {
      inner.write(offset, data);
    },
  };
  return device;
}

/** Reads everything reachable (bounded depth, the first 64 KiB of each file); returns how many objects it saw. */
function walk(fs: FileSystem, path = '/', depth = 0): number {
  let seen = 0;
  for (const entry of fs.list(path)) {
    seen++;
    const child = `${path === '/' ? '' : path}/${entry.name}`;
    if (entry.type === 'directory' && depth < 4) seen += walk(fs, child, depth + 1);
    if (entry.type === 'file') fs.readFileInto(child, 0, new Uint8Array(64 * 1024));
    if (entry.type === 'symlink') fs.readlink(child);
  }
  return seen;
}

/** Mutates `count` bytes of `bytes` in `[from, to)` with `next`. */
function mutate(bytes: Uint8Array, next: () => number, from: number, to: number, count: number): void {
  for (let i = 0; i < count; i++) bytes[from + (next() % (to - from))] = next() & 0xff;
}

/** Opens and walks `bytes`, then tries a few writes; anything but success or an FsError fails; returns the bytes read. */
function survive(bytes: Uint8Array, outcomes: Map<string, number>): number {
  const device = counting(bytes);
  try {
    const { fs } = openFileSystem(device);
    walk(fs);
    if (!fs.readOnly) {
      fs.writeFile('/fuzz-written', new Uint8Array(5000).fill(7));
      fs.mkdir('/fuzz-dir');
      fs.rename('/fuzz-written', '/fuzz-dir/moved');
      fs.rm('/fuzz-dir/moved');
    }
    outcomes.set('ok', (outcomes.get('ok') ?? 0) + 1);
  } catch (error) {
    if (!(error instanceof FsError)) throw error;
    outcomes.set(error.name, (outcomes.get(error.name) ?? 0) + 1);
  }
  return device.bytesRead;
}

describe('damaged file systems', () => {
  const work = scratch();
  const source = join(work, 'tree');
  makeTree(source, 5, { bigDirEntries: 60 });

  for (const [name, args] of [['ext2', ['-t', 'ext2', '-b', '1024']], ['ext4 without checksums', ['-t', 'ext4', '-b', '1024', '-O', '^metadata_csum,^64bit']], ['ext4', ['-t', 'ext4', '-b', '1024']]] as const) {
    it(`gives only typed errors for 150 mutations of ${name} metadata, reading a bounded amount`, () => {
      const image = join(work, `${name.replace(/\W+/g, '-')}.img`);
      mke2fs(image, '8M', args, source);
      const pristine = readFileSync(image);
      const clean = new Map<string, number>();
      const budget = 4 * survive(Buffer.from(pristine), clean);
      expect(clean.get('ok')).toBe(1);
      const next = mulberry32(name.length * 7919);
      const outcomes = new Map<string, number>();
      for (let i = 0; i < 150; i++) {
        const bytes = Buffer.from(pristine);
        // The superblock, descriptors, bitmaps, inode table and the first directory blocks live in the first 600 KiB.
        mutate(bytes, next, 1024, 600 * 1024, 1 + (next() % 12));
        expect(survive(bytes, outcomes)).toBeLessThanOrEqual(budget);
      }
      expect([...outcomes.keys()].length).toBeGreaterThan(1);
    });
  }

  it('refuses an ext superblock of random bytes with the right magic', () => {
    const next = mulberry32(77);
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 200; i++) {
      const bytes = new Uint8Array(1024 * 1024);
      for (let j = 1024; j < 2048; j++) bytes[j] = next() & 0xff;
      bytes[1024 + 0x38] = 0x53;
      bytes[1024 + 0x39] = 0xef;
      expect(survive(bytes, outcomes)).toBeLessThan(64 * 1024 * 1024);
    }
    expect(outcomes.get('ok') ?? 0).toBe(0);
  });

  it('detects an extent tree whose index points twice at one leaf, or at itself', () => {
    const image = join(work, 'extents.img');
    mke2fs(image, '8M', ['-t', 'ext4', '-b', '1024', '-O', '^metadata_csum,^64bit']);
    const bytes = readFileSync(image);
    const device = new MemoryDevice(bytes);
    const { fs } = openFileSystem(device);
    // Every other block zero and sparse: more extents than the inode holds, so a leaf block is needed.
    const data = Buffer.alloc(40 * 1024);
    for (let block = 0; block < 40; block += 2) data.fill(1, block * 1024, block * 1024 + 1024);
    fs.writeFile('/fragmented', data, { sparse: true });
    const inode = fs.stat('/fragmented').id;
    const stat = run('debugfs', ['-R', `stat <${inode}>`, writeImage(work, 'ok.img', bytes)]).toString();
    expect(stat).toMatch(/Level Entries|\(0\):/);
    const inodeOffset = inodeLocation(bytes, inode);
    const root = inodeOffset + 0x28;
    expect(bytes.readUInt16LE(root)).toBe(0xf30a);
    expect(bytes.readUInt16LE(root + 6)).toBe(1);
    const leaf = bytes.readUInt32LE(root + 12 + 4);
    // Case 1: a second index entry to the same leaf.
    const twice = Buffer.from(bytes);
    twice.writeUInt16LE(2, root + 2);
    twice.copy(twice, root + 24, root + 12, root + 24);
    twice.writeUInt32LE(100, root + 24);
    expect(() => openFileSystem(new MemoryDevice(twice)).fs.readFile('/fragmented')).toThrow(expect.objectContaining({ name: 'FsCorruptionError', message: expect.stringMatching(/referenced twice/) }));
    // Case 2: the leaf claims depth 1 and indexes itself.
    const self = Buffer.from(bytes);
    const leafOffset = leaf * 1024;
    self.writeUInt16LE(1, leafOffset + 6);
    self.writeUInt32LE(leaf, leafOffset + 12 + 4);
    const reader = counting(self);
    expect(() => openFileSystem(reader).fs.readFile('/fragmented')).toThrow(expect.objectContaining({ name: 'FsCorruptionError' }));
    expect(reader.bytesRead).toBeLessThan(64 * 1024);
  });

  it('stops at symlink loops and refuses to load an absurd file size into memory', () => {
    const image = join(work, 'links.img');
    mke2fs(image, '8M', ['-t', 'ext4']);
    const memory = new MemoryDevice(readFileSync(image));
    const device = (_: FileSystem): Uint8Array => memory.bytes;
    const { fs } = openFileSystem(memory, { now: () => 0 });
    fs.symlink('b', '/a');
    fs.symlink('a', '/b');
    expect(() => fs.readFile('/a')).toThrow(expect.objectContaining({ name: 'FsCorruptionError', message: expect.stringMatching(/too many levels/) }));
    fs.writeFile('/huge', Buffer.from('small'));
    const path = join(work, 'huge.img');
    writeFileSync(path, device(fs));
    run('debugfs', ['-w', '-R', 'sif /huge size 0x10000000000', path]);
    const reopened = openFileSystem(new MemoryDevice(readFileSync(path)), { readOnly: true }).fs;
    expect(reopened.stat('/huge').size).toBe(2 ** 40);
    expect(() => reopened.readFile('/huge')).toThrow(expect.objectContaining({ name: 'FsTooLargeError' }));
    const tail = new Uint8Array(4096);
    expect(reopened.readFileInto('/huge', 2 ** 40 - 100, tail)).toBe(100);
    expect(tail.every((byte) => byte === 0)).toBe(true);
  });

  it('stays bounded in a directory tree with a loop (an entry pointing back at an ancestor)', () => {
    const image = join(work, 'dirloop.img');
    mke2fs(image, '8M', ['-t', 'ext4']);
    const memory = new MemoryDevice(readFileSync(image));
    const { fs } = openFileSystem(memory);
    fs.mkdir('/a/b', { parents: true });
    fs.writeFile('/a/b/file', Buffer.from('inside'));
    writeFileSync(image, memory.bytes);
    // debugfs links /a/b/up to the inode of /a: /a/b/up/b/up/... never ends.
    run('debugfs', ['-w', '-R', `ln <${fs.stat('/a').id}> /a/b/up`, image]);
    const reader = counting(readFileSync(image));
    const looped = openFileSystem(reader, { readOnly: true }).fs;
    expect(looped.list('/a/b/up').map((entry) => entry.name)).toEqual(['b']);
    const deep = `/a${'/b/up'.repeat(600)}/b/file`;
    expect(Buffer.from(looped.readFile(deep)).toString()).toBe('inside');
    expect(() => looped.stat(`${deep}${'/x'.repeat(2000)}`)).toThrow(expect.objectContaining({ name: 'FsInvalidPathError' }));
    expect(walk(looped)).toBeGreaterThan(3);
    expect(reader.bytesRead).toBeLessThan(64 * 1024 * 1024);
  });

  it('detects FAT cluster chains with cycles, for files and directories, in bounded work', () => {
    const image = join(work, 'cycle.img');
    run('mkfs.fat', ['-F', '16', '-s', '1', '-C', image, '8192']);
    const device = new MemoryDevice(readFileSync(image));
    const { fs } = openFileSystem(device);
    fs.writeFile('/file.bin', Buffer.alloc(3 * 512, 7));
    fs.mkdir('/dir');
    for (let i = 0; i < 40; i++) fs.writeFile(`/dir/a long name to fill clusters ${i}`, Buffer.alloc(0));
    const bytes = device.bytes;
    const fatOffset = 512 * (bytes[14]! | (bytes[15]! << 8));
    const first = fs.stat('/file.bin').id;
    const third = readFat16(bytes, fatOffset, readFat16(bytes, fatOffset, first));
    writeFat16(bytes, fatOffset, third, first);
    const dirFirst = fs.stat('/dir').id;
    writeFat16(bytes, fatOffset, readFat16(bytes, fatOffset, dirFirst), dirFirst);
    const reader = counting(bytes);
    const damaged = openFileSystem(reader, { readOnly: true }).fs;
    const before = reader.bytesRead;
    expect(() => damaged.readFile('/file.bin')).toThrow(expect.objectContaining({ name: 'FsCorruptionError' }));
    expect(() => damaged.list('/dir')).toThrow(expect.objectContaining({ name: 'FsCorruptionError' }));
    expect(reader.bytesRead - before).toBeLessThan(4 * 1024 * 1024);
  });

  it('gives only typed errors for 150 mutations of a FAT boot sector, FAT and root directory', () => {
    const image = join(work, 'fatfuzz.img');
    run('mkfs.fat', ['-F', '12', '-C', image, '2048']);
    mcopyIn(image, join(source, 'big'));
    const pristine = readFileSync(image);
    const next = mulberry32(4242);
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 150; i++) {
      const bytes = Buffer.from(pristine);
      mutate(bytes, next, 0, 64 * 1024, 1 + (next() % 8));
      expect(survive(bytes, outcomes)).toBeLessThanOrEqual(16 * 1024 * 1024);
    }
    expect([...outcomes.keys()].length).toBeGreaterThan(1);
  });
});

function writeImage(work: string, name: string, bytes: Uint8Array): string {
  const path = join(work, name);
  writeFileSync(path, bytes);
  return path;
}

/** Byte offset of inode `number` in an ext image with one group descriptor table at block 2 (1 KiB blocks) or 1. */
function inodeLocation(bytes: Buffer, number: number): number {
  const blockSize = 1024 << bytes.readUInt32LE(1024 + 0x18);
  const inodesPerGroup = bytes.readUInt32LE(1024 + 0x28);
  const inodeSize = bytes.readUInt16LE(1024 + 0x58);
  const descSize = bytes.readUInt32LE(1024 + 0x60) & 0x80 ? bytes.readUInt16LE(1024 + 0xfe) : 32;
  const gdt = (blockSize === 1024 ? 2 : 1) * blockSize;
  const group = Math.floor((number - 1) / inodesPerGroup);
  const table = bytes.readUInt32LE(gdt + group * descSize + 8);
  return table * blockSize + ((number - 1) % inodesPerGroup) * inodeSize;
}

function readFat16(bytes: Uint8Array, fatOffset: number, cluster: number): number {
  return bytes[fatOffset + cluster * 2]! | (bytes[fatOffset + cluster * 2 + 1]! << 8);
}

function writeFat16(bytes: Uint8Array, fatOffset: number, cluster: number, value: number): void {
  bytes[fatOffset + cluster * 2] = value & 0xff;
  bytes[fatOffset + cluster * 2 + 1] = value >> 8;
}
