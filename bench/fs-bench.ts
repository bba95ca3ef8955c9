/**
 * File-system throughput: qedisk reading and writing a 64 MiB file (`openReader` into a reused
 * 1 MiB buffer, `writeFile` from a `DataSource` read in 1 MiB chunks: the streaming paths the
 * page uses) against the native tools on the same image, side by side in one run. ext4: `debugfs dump` / `debugfs write`;
 * FAT32: `mcopy` out / in. Both sides go from a host file to the image or back (qedisk reads
 * or writes the host file too), and the native tools' process start counts, as it does for anyone
 * who calls them. debugfs fsyncs the image when it closes it and mcopy does not, so qedisk's
 * commit flush (an fsync on a raw file) is kept on the ext lines and left out on the FAT lines.
 */
import { randomFillSync } from 'node:crypto';
import { closeSync, openSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import type { DataSource, FileSystem } from '../src/fs/file-system.ts';
import { NodeFileDevice } from '../src/fs/node-device.ts';
import { openFileSystem } from '../src/fs/open.ts';
import { type BenchLine, run, sideBySide, timeSeconds } from './measure.ts';

const MIB = 1024 * 1024;
const FILE_BYTES = 64 * MIB;

/** Runs `action` on the file system of raw image `image` (its flushes fsync only when `sync`), then closes the file. */
function withFs<T>(image: string, sync: boolean, action: (fs: FileSystem) => T): T {
  const file = NodeFileDevice.open(image, 'readwrite');
  const device = sync ? file : { size: file.size, readInto: file.readInto.bind(file), write: file.write!.bind(file) };
  try {
    return action(openFileSystem(device).fs);
  } finally {
    file.close();
  }
}

/** Streams `path` of `fs` to host file `out` through one reused 1 MiB buffer. */
function readOut(fs: FileSystem, path: string, out: string): void {
  const reader = fs.openReader(path);
  const buffer = new Uint8Array(MIB);
  const fd = openSync(out, 'w');
  try {
    for (let offset = 0; offset < reader.size; offset += MIB) {
      const count = reader.read(offset, buffer);
      writeSync(fd, buffer, 0, count);
    }
  } finally {
    closeSync(fd);
  }
}

/** Writes host file `source` (`bytes` long) as `path` of `fs`, read in chunks while the write commits. */
function writeIn(fs: FileSystem, path: string, source: string, bytes: number): void {
  const fd = openSync(source, 'r');
  try {
    const data: DataSource = { size: bytes, read: (offset, target) => void readSync(fd, target, 0, target.length, offset) };
    fs.writeFile(path, data);
  } finally {
    closeSync(fd);
  }
}

function line(name: string, baselineName: string, figures: { qedisk: number; baseline: number }): BenchLine {
  return { name, unit: 'MiB/s', qedisk: figures.qedisk, baseline: figures.baseline, baselineName, ratio: figures.qedisk / figures.baseline, goal: 1 };
}

/** The four lines: ext4 read and write against debugfs, FAT32 read and write against mcopy. */
export function fsLines(work: string, repeats: number): BenchLine[] {
  const source = `${work}/fs-source.bin`;
  const out = `${work}/fs-out.bin`;
  const data = new Uint8Array(FILE_BYTES);
  randomFillSync(data);
  writeFileSync(source, data);
  // Each measurement starts after a `sync`, so neither side pays for the other's dirty pages.
  const speed = (seconds: number): number => FILE_BYTES / MIB / seconds;
  const timed = (action: () => void): number => {
    run('sync', []);
    return speed(timeSeconds(action));
  };
  const ext = `${work}/fs-ext4.img`;
  run('mke2fs', ['-q', '-F', '-t', 'ext4', '-b', '4096', ext, '256M']);
  run('debugfs', ['-w', '-R', `write ${source} /file.bin`, ext]);
  const fat = `${work}/fs-fat32.img`;
  run('mkfs.fat', ['-F', '32', '-C', fat, String(256 * 1024)]);
  run('mcopy', ['-i', fat, source, '::/file.bin']);
  const cmdfile = `${work}/fs-debugfs.cmd`;
  writeFileSync(cmdfile, `rm /written.bin\nwrite ${source} /written.bin\n`);
  const lines = [
    line(
      'ext4 read 64 MiB file',
      'debugfs dump',
      sideBySide(
        repeats,
        () => timed(() => withFs(ext, true, (fs) => readOut(fs, '/file.bin', out))),
        () => timed(() => run('debugfs', ['-R', `dump /file.bin ${out}`, ext])),
      ),
    ),
    line(
      'ext4 write 64 MiB file',
      'debugfs write',
      sideBySide(
        repeats,
        () => timed(() => withFs(ext, true, (fs) => writeIn(fs, '/written.bin', source, FILE_BYTES))),
        () => timed(() => run('debugfs', ['-w', '-f', cmdfile, ext])),
      ),
    ),
    line(
      'FAT32 read 64 MiB file',
      'mcopy out',
      sideBySide(
        repeats,
        () => timed(() => withFs(fat, false, (fs) => readOut(fs, '/file.bin', out))),
        () => timed(() => run('mcopy', ['-n', '-o', '-i', fat, '::/file.bin', out])),
      ),
    ),
    line(
      'FAT32 write 64 MiB file',
      'mcopy in',
      sideBySide(
        repeats,
        () => timed(() => withFs(fat, false, (fs) => writeIn(fs, '/written.bin', source, FILE_BYTES))),
        () => timed(() => run('mcopy', ['-o', '-i', fat, source, '::/written.bin'])),
      ),
    ),
  ];
  const check = (image: string, checker: string[]): void => void run(checker[0]!, [...checker.slice(1), image]);
  check(ext, ['e2fsck', '-fn']);
  check(fat, ['fsck.fat', '-n']);
  for (const path of [source, out, ext, fat, cmdfile]) rmSync(path, { force: true });
  return lines;
}
