/**
 * The file commands of `qedisk` (partitions, ls, cat, put, mkdir, rm) on a QED image made by
 * qemu-img from a partitioned disk (ext4 in a primary, FAT16 in a logical partition), and on a
 * raw image; results checked with e2fsck, debugfs, fsck.fat and mtools.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { qedisk } from '../cli/cli-harness.ts';
import { e2fsckClean, fsckFatClean, makeTree, mcopyIn, mke2fs, run, scratch, sha } from './native.ts';

const SECTOR = 512;
const EXT_START = 2048;
const FAT_START = 40960;
const PART_SECTORS = 32768;

/** Copies partition sectors `[start, start + count)` of raw image `disk` into `out`. */
function extract(disk: string, out: string, start: number, count: number): void {
  run('dd', [`if=${disk}`, `of=${out}`, `bs=${SECTOR}`, `skip=${start}`, `count=${count}`, 'status=none']);
}

describe('qedisk partitions/ls/cat/put/mkdir/rm', () => {
  const work = scratch('qedisk-fs-cli-');
  const disk = join(work, 'disk.qed');
  const raw = join(work, 'disk.raw');
  let hello: Buffer;

  beforeAll(() => {
    const source = join(work, 'tree');
    const tree = makeTree(source, 4, { fat: true, bigDirEntries: 20 });
    const node = tree.get('/hello.txt');
    hello = node?.kind === 'file' ? node.data : Buffer.alloc(0);
    run('truncate', ['-s', '48M', raw]);
    run('sfdisk', ['-q', raw], `label: dos\ndisk.raw1 : start=${EXT_START}, size=${PART_SECTORS}, type=83\ndisk.raw2 : start=${FAT_START - 2048}, size=${PART_SECTORS + 4096}, type=5\ndisk.raw5 : start=${FAT_START}, size=${PART_SECTORS}, type=6\n`);
    const ext = join(work, 'ext.img');
    mke2fs(ext, '16M', ['-t', 'ext4'], source);
    const fat = join(work, 'fat.img');
    run('mkfs.fat', ['-F', '16', '-C', fat, '16384']);
    mcopyIn(fat, source);
    run('dd', [`if=${ext}`, `of=${raw}`, `bs=${SECTOR}`, `seek=${EXT_START}`, 'conv=notrunc', 'status=none']);
    run('dd', [`if=${fat}`, `of=${raw}`, `bs=${SECTOR}`, `seek=${FAT_START}`, 'conv=notrunc', 'status=none']);
    run('qemu-img', ['convert', '-f', 'raw', '-O', 'qed', raw, disk]);
  });

  it('lists the partitions with the file system each holds', () => {
    const result = qedisk(work, ['partitions', '--json', disk]);
    expect(result.status).toBe(0);
    const table = JSON.parse(result.stdout.toString()) as { scheme: string; partitions: Array<{ number: number; start: number; fileSystem: string | null }> };
    expect(table.scheme).toBe('mbr');
    expect(table.partitions.map((p) => [p.number, p.start / SECTOR, p.fileSystem])).toEqual([
      [1, EXT_START, 'ext'],
      [2, FAT_START - 2048, null],
      [5, FAT_START, 'fat'],
    ]);
    expect(qedisk(work, ['partitions', disk]).stdout.toString()).toMatch(/^5\s+20971520\s+16777216\s+0x06 \(FAT16\)\s+fat/m);
  });

  it('asks for a partition when several hold file systems, in one line on stderr', () => {
    const result = qedisk(work, ['ls', disk]);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/choose one.*partitions: 1 Linux/);
  });

  it('lists directories with a trailing slash and cats files from both partitions', () => {
    const ls = qedisk(work, ['ls', '--partition', '1', disk, '/']).stdout.toString().split('\n');
    expect(ls).toEqual(expect.arrayContaining(['docs/', 'big/', 'hello.txt', 'lost+found/']));
    const json = JSON.parse(qedisk(work, ['ls', '-p', '5', '--json', disk, '/docs']).stdout.toString()) as Array<{ name: string; type: string }>;
    expect(json.map((entry) => entry.name)).toContain('A Long Mixed Case Name.Text');
    expect(qedisk(work, ['cat', '-p', '1', disk, '/hello.txt']).stdout.equals(hello)).toBe(true);
    expect(qedisk(work, ['cat', '-p', '5', disk, '/hello.txt']).stdout.equals(hello)).toBe(true);
    const big = qedisk(work, ['cat', '-p', '1', disk, '/docs/nested/deeper/random-2m.bin']).stdout;
    expect(big.length).toBe(2 * 1024 * 1024 + 123);
  });

  it('puts, makes directories and removes; e2fsck, debugfs, fsck.fat and mtools agree', () => {
    const data = Buffer.alloc(300_000, 0x42);
    expect(qedisk(work, ['put', '-p', '1', disk, '/new.bin'], data).status).toBe(0);
    expect(qedisk(work, ['mkdir', '-p', '1', disk, '/made']).status).toBe(0);
    expect(qedisk(work, ['rm', '-p', '1', disk, '/hello.txt']).status).toBe(0);
    expect(qedisk(work, ['mkdir', '-p', '5', disk, '/New Folder']).status).toBe(0);
    expect(qedisk(work, ['put', '-p', '5', disk, '/New Folder/a long name.txt'], 'from stdin\n').status).toBe(0);
    expect(qedisk(work, ['rm', '-p', '5', disk, '/empty dir']).status).toBe(0);
    const out = join(work, 'out.raw');
    run('qemu-img', ['convert', '-f', 'qed', '-O', 'raw', disk, out]);
    const ext = join(work, 'ext-out.img');
    const fat = join(work, 'fat-out.img');
    extract(out, ext, EXT_START, PART_SECTORS);
    extract(out, fat, FAT_START, PART_SECTORS);
    e2fsckClean(ext);
    fsckFatClean(fat);
    expect(run('debugfs', ['-R', 'cat /new.bin', ext]).equals(data)).toBe(true);
    expect(run('debugfs', ['-R', 'ls -p /', ext]).toString()).toMatch(/\/made\//);
    expect(run('debugfs', ['-R', 'ls -p /', ext]).toString()).not.toMatch(/\/hello\.txt\//);
    expect(run('mtype', ['-i', fat, '::/New Folder/a long name.txt']).toString()).toBe('from stdin\n');
    expect(run('mdir', ['-b', '-i', fat, '::/']).toString()).not.toMatch(/empty dir/);
    expect(run('qemu-img', ['check', disk]).toString()).toMatch(/No errors/);
  });

  it('fails in one line, with a non-zero status and the image unchanged', () => {
    const before = sha(disk);
    const failures: Array<[string[], RegExp]> = [
      [['put', '-p', '1', disk, '/missing/file'], /no such file or directory/],
      [['rm', '-p', '1', disk, '/docs'], /not empty/],
      [['mkdir', '-p', '5', disk, '/docs'], /already exists/],
      [['cat', '-p', '1', disk, '/docs'], /is a directory/],
      [['ls', '-p', '9', disk], /no partition 9/],
      [['ls', '-p', 'x', disk], /not a number/],
      [['put', '-p', '5', disk, '/bad|name'], /forbids/],
    ];
    for (const [args, message] of failures) {
      const result = qedisk(work, args, 'data');
      expect(result.status, args.join(' ')).toBe(1);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(sha(disk), args.join(' ')).toBe(before);
    }
  });

  it('works on a raw image holding a whole-disk file system', () => {
    const image = join(work, 'whole.img');
    run('mkfs.fat', ['-F', '12', '-C', image, '2048']);
    expect(qedisk(work, ['put', image, '/README.md'], '# hi\n').status).toBe(0);
    expect(qedisk(work, ['ls', image]).stdout.toString()).toBe('README.md\n');
    expect(qedisk(work, ['partitions', image]).stdout.toString()).toMatch(/no partition table \(whole-disk fat file system\)/);
    expect(readFileSync(image).length).toBe(2048 * 1024);
    fsckFatClean(image);
  });
});
