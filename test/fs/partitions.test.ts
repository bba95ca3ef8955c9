/**
 * Partition tables against sfdisk and sgdisk: MBR with an extended partition and logical ones,
 * GPT with names; damaged tables (GPT CRCs, a looping chain of logical partitions) give typed
 * errors; openFileSystem picks the only partition with a file system or lists them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryDevice } from '../../src/fs/block-device.ts';
import { openFileSystem } from '../../src/fs/open.ts';
import { readPartitionTable } from '../../src/fs/partitions/index.ts';
import { mke2fs, run, scratch } from './native.ts';

const MIB = 1024 * 1024;

interface SfdiskPartition {
  node: string;
  start: number;
  size: number;
  type: string;
  name?: string;
  uuid?: string;
}

function sfdiskJson(image: string): { label: string; partitions: SfdiskPartition[] } {
  const parsed = JSON.parse(run('sfdisk', ['--json', image]).toString()) as { partitiontable: { label: string; partitions: SfdiskPartition[] } };
  return parsed.partitiontable;
}

function blank(path: string, bytes: number): void {
  writeFileSync(path, Buffer.alloc(0));
  run('truncate', ['-s', String(bytes), path]);
}

describe('readPartitionTable, against sfdisk and sgdisk', () => {
  const work = scratch();

  it('reads primaries, the extended container and logical partitions as sfdisk numbers them', () => {
    const image = join(work, 'mbr.img');
    blank(image, 64 * MIB);
    const script = [
      'label: dos',
      'mbr.img1 : start=2048, size=16384, type=83, bootable',
      'mbr.img2 : start=18432, size=100000, type=5',
      'mbr.img5 : start=20480, size=8192, type=83',
      'mbr.img6 : start=30720, size=12288, type=c',
      'mbr.img7 : start=45056, size=4096, type=82',
      'mbr.img3 : start=120000, size=2000, type=7',
    ].join('\n');
    run('sfdisk', ['-q', image], `${script}\n`);
    const table = readPartitionTable(new MemoryDevice(readFileSync(image)));
    const native = sfdiskJson(image);
    expect(table.scheme).toBe('mbr');
    expect(table.partitions.map((p) => p.number)).toEqual(native.partitions.map((p) => Number(p.node.replace(/.*\.img/, ''))).sort((a, b) => a - b));
    for (const expected of native.partitions) {
      const number = Number(expected.node.replace(/.*\.img/, ''));
      const actual = table.partitions.find((p) => p.number === number)!;
      expect(actual.start / 512, expected.node).toBe(expected.start);
      expect(actual.size / 512, expected.node).toBe(expected.size);
      expect(Number(actual.type), expected.node).toBe(parseInt(expected.type, 16));
    }
    expect(table.partitions.find((p) => p.number === 1)!.bootable).toBe(true);
    expect(table.partitions.filter((p) => p.kind === 'logical').map((p) => p.number)).toEqual([5, 6, 7]);
  });

  it('reads GPT entries with their names and GUIDs, and falls back to the backup header', () => {
    const image = join(work, 'gpt.img');
    blank(image, 40 * MIB);
    run('sgdisk', ['-o', '-n1:2048:+4M', '-c1:EFI system ✓', '-t1:ef00', '-n2:0:+8M', '-c2:root fs', '-t2:8300', '-n4:0:+2M', '-c4:fourth', image]);
    const bytes = readFileSync(image);
    const table = readPartitionTable(new MemoryDevice(bytes));
    const native = sfdiskJson(image);
    expect(table.scheme).toBe('gpt');
    expect(table.partitions.map((p) => p.number)).toEqual([1, 2, 4]);
    for (const expected of native.partitions) {
      const actual = table.partitions.find((p) => p.number === Number(expected.node.replace(/.*\.img/, '')))!;
      expect(actual).toMatchObject({ start: expected.start * 512, size: expected.size * 512, type: expected.type.toLowerCase(), uuid: expected.uuid!.toLowerCase(), name: expected.name });
    }
    const flip = (at: number): void => void bytes.writeUInt8(bytes.readUInt8(at) ^ 0x01, at);
    flip(512 + 100);
    flip(512 + 16);
    const fromBackup = readPartitionTable(new MemoryDevice(bytes));
    expect(fromBackup.partitions).toEqual(table.partitions);
    flip(bytes.length - 512 + 16);
    expect(() => readPartitionTable(new MemoryDevice(bytes))).toThrow(expect.objectContaining({ name: 'FsPartitionTableError' }));
  });

  it('refuses a chain of logical partitions that loops, in bounded work', () => {
    const image = join(work, 'loop.img');
    blank(image, 16 * MIB);
    run('sfdisk', ['-q', image], 'label: dos\nloop.img1 : start=2048, size=20000, type=5\nloop.img5 : start=4096, size=2048, type=83\nloop.img6 : start=8192, size=2048, type=83\n');
    const bytes = readFileSync(image);
    // The second EBR (at 8192 - 2048 = 6144) now points back to the first one (relative 0).
    const secondEbr = 6144 * 512;
    expect(bytes.readUInt8(secondEbr + 446 + 16 + 4)).toBe(0);
    bytes.writeUInt8(5, secondEbr + 446 + 16 + 4);
    bytes.writeUInt32LE(0, secondEbr + 446 + 16 + 8);
    bytes.writeUInt32LE(100, secondEbr + 446 + 16 + 12);
    let reads = 0;
    const device = new MemoryDevice(bytes);
    const counting = { size: device.size, readInto: (offset: number, target: Uint8Array) => (reads++, device.readInto(offset, target)) };
    expect(() => readPartitionTable(counting)).toThrow(expect.objectContaining({ name: 'FsPartitionTableError', message: expect.stringMatching(/loops/) }));
    expect(reads).toBeLessThan(10);
  });

  it('opens the only partition with a file system, and lists the partitions when several have one', () => {
    const disk = join(work, 'disk.img');
    blank(disk, 48 * MIB);
    run('sfdisk', ['-q', disk], 'label: dos\ndisk.img1 : start=2048, size=32768, type=83\ndisk.img2 : start=40960, size=32768, type=83\n');
    const part = join(work, 'part.img');
    mke2fs(part, '16M', ['-t', 'ext4', '-L', 'second']);
    run('dd', [`if=${part}`, `of=${disk}`, 'bs=512', `seek=40960`, 'conv=notrunc', 'status=none']);
    const bytes = readFileSync(disk);
    const opened = openFileSystem(new MemoryDevice(bytes), { readOnly: true });
    expect(opened.partition?.number).toBe(2);
    expect(opened.fs.label).toBe('second');
    run('dd', [`if=${part}`, `of=${disk}`, 'bs=512', `seek=2048`, 'conv=notrunc', 'status=none']);
    const both = readFileSync(disk);
    expect(() => openFileSystem(new MemoryDevice(both))).toThrow(expect.objectContaining({ name: 'FsAmbiguousError', message: expect.stringMatching(/partitions: 1 Linux 16777216 bytes; 2 Linux/) }));
    expect(openFileSystem(new MemoryDevice(both), { partition: 1 }).partition?.start).toBe(2048 * 512);
    expect(() => openFileSystem(new MemoryDevice(both), { partition: 3 })).toThrow(expect.objectContaining({ name: 'FsNotFoundError' }));
  });
});
