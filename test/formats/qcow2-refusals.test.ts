import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageCorruptionError, ImageEncryptedError, ImageFormatError, ImageUnsupportedError, Qcow2Reader } from '../../src/formats/index.ts';
import { MiB, firstDifference, openReader, patternedDisk, qemuImg, qemuLuksQcow2, qemuRaw, readAll, scratch, writeRaw } from './fixtures.ts';

const work = scratch('qcow2-refusals');

beforeAll(() => {
  writeRaw(work.at('disk.raw'), patternedDisk(MiB, 5));
  qemuImg('convert', '-f', 'raw', '-O', 'qcow2', '-o', 'cluster_size=4096', work.at('disk.raw'), work.at('plain.qcow2'));
  qemuImg('convert', '-f', 'raw', '-O', 'qcow2', '-c', work.at('disk.raw'), work.at('compressed.qcow2'));
});
afterAll(() => work.dispose());

/** A copy of `source` with `patch` applied to its bytes, written to `name`. */
function patched(source: string, name: string, patch: (bytes: Buffer) => void): string {
  const bytes = readFileSync(work.at(source));
  patch(bytes);
  writeFileSync(work.at(name), bytes);
  return work.at(name);
}

/** True when QEMU, too, fails to read the image at `path` as qcow2. */
function qemuRefuses(path: string): boolean {
  return spawnSync('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', path, work.at('refused.raw')]).status !== 0;
}

describe('Qcow2Reader refuses what it must not read, with typed errors', () => {
  it('refuses LUKS and AES encryption', () => {
    qemuLuksQcow2(work.at('luks.qcow2'));
    expect(() => openReader(work.at('luks.qcow2'))).toThrow(ImageEncryptedError);
    const aes = patched('plain.qcow2', 'aes.qcow2', (bytes) => bytes.writeUInt32BE(1, 32));
    expect(() => openReader(aes)).toThrow(/encrypted \(AES\)/);
  });

  it('refuses an external data file', () => {
    qemuImg('create', '-q', '-f', 'qcow2', '-o', `data_file=${work.at('external.raw')}`, work.at('external.qcow2'), '1M');
    expect(() => openReader(work.at('external.qcow2'))).toThrow(/external data file \(".*external\.raw"\)/);
    expect(() => openReader(work.at('external.qcow2'))).toThrow(ImageUnsupportedError);
  });

  it.each([
    ['an unknown incompatible feature', (b: Buffer) => b.writeUInt32BE(1 << 5, 76), ImageUnsupportedError],
    ['the compression type bit with zlib', (b: Buffer) => b.writeUInt32BE(1 << 3, 76), ImageFormatError],
    ['clusters of 256 bytes', (b: Buffer) => b.writeUInt32BE(8, 20), ImageFormatError],
    ['clusters of 4 MiB', (b: Buffer) => b.writeUInt32BE(22, 20), ImageFormatError],
    ['version 1', (b: Buffer) => b.writeUInt32BE(1, 4), ImageUnsupportedError],
    ['an L1 table too small for the disk', (b: Buffer) => b.writeUInt32BE(0, 36), ImageFormatError],
    ['an L1 table that is not cluster-aligned', (b: Buffer) => b.writeBigUInt64BE(b.readBigUInt64BE(40) + 8n, 40), ImageFormatError],
    ['a refcount order over 6', (b: Buffer) => b.writeUInt32BE(7, 96), ImageFormatError],
    ['a header longer than its cluster', (b: Buffer) => b.writeUInt32BE(8192, 100), ImageFormatError],
    ['no refcount table', (b: Buffer) => b.writeUInt32BE(0, 56), ImageFormatError],
    ['a refcount table that is not cluster-aligned', (b: Buffer) => b.writeBigUInt64BE(b.readBigUInt64BE(48) + 512n, 48), ImageFormatError],
    ['a snapshot table that is not cluster-aligned', (b: Buffer) => b.writeBigUInt64BE(4097n, 64), ImageFormatError],
  ] as const)('refuses %s, as QEMU does', (name, patch, errorClass) => {
    const path = patched('plain.qcow2', `${name.replace(/\W+/g, '-')}.qcow2`, patch);
    expect(() => openReader(path, 'qcow2')).toThrow(errorClass);
    expect(qemuRefuses(path)).toBe(true);
  });

  it('fails reads through a misaligned L2 table offset or a damaged compressed cluster, as QEMU does', () => {
    const misaligned = patched('plain.qcow2', 'misaligned.qcow2', (bytes) => {
      const l1 = Number(bytes.readBigUInt64BE(40));
      bytes.writeBigUInt64BE(bytes.readBigUInt64BE(l1) + 512n, l1);
    });
    const reader = openReader(misaligned);
    expect(() => readAll(reader)).toThrow(ImageCorruptionError);
    reader.close();
    expect(qemuRefuses(misaligned)).toBe(true);
    const damaged = patched('compressed.qcow2', 'damaged.qcow2', (bytes) => {
      const l1 = Number(bytes.readBigUInt64BE(40));
      const l2 = Number(bytes.readBigUInt64BE(l1) & 0x00fffffffffffe00n);
      const entry = bytes.readBigUInt64BE(l2 + 8 * 2);
      expect(entry >> 62n).toBe(1n);
      const offset = Number(entry & ((1n << 54n) - 1n));
      bytes.fill(0xff, offset, offset + 64);
    });
    const broken = openReader(damaged);
    expect(() => readAll(broken)).toThrow(ImageCorruptionError);
    broken.close();
    expect(qemuRefuses(damaged)).toBe(true);
  });

  it('rounds a virtual size that is not a multiple of 512 down, as QEMU does', () => {
    const path = patched('plain.qcow2', 'odd-size.qcow2', (bytes) => bytes.writeBigUInt64BE(BigInt(MiB - 100), 24));
    const reader = openReader(path);
    expect(reader.size).toBe(MiB - 512);
    expect(firstDifference(readAll(reader), qemuRaw(path, 'qcow2', work))).toBe('identical');
    reader.close();
  });

  it('opens images with the dirty or corrupt bit read-only and reads them as QEMU does', () => {
    for (const [bit, name] of [
      [1, 'dirty'],
      [2, 'corrupt'],
    ] as const) {
      const path = patched('plain.qcow2', `${name}.qcow2`, (bytes) => bytes.writeUInt32BE(bit, 76));
      const reader = openReader(path);
      expect(reader).toBeInstanceOf(Qcow2Reader);
      if (!(reader instanceof Qcow2Reader)) throw new Error('not qcow2');
      expect(reader.dirty).toBe(name === 'dirty');
      expect(reader.corrupt).toBe(name === 'corrupt');
      expect(firstDifference(readAll(reader), qemuRaw(path, 'qcow2', work))).toBe('identical');
      reader.close();
    }
  });
});
