import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { NodeFile } from '../../src/backends/node-file.ts';
import { Qcow2Reader, Qcow2Writer, writeQcow2 } from '../../src/formats/index.ts';
import { QedArgumentError } from '../../src/qed/errors.ts';
import { MiB, firstDifference, openReader, patternedDisk, qemuImg, qemuIo, readAll, run, scratch, writeRaw } from './fixtures.ts';

const work = scratch('qcow2-writer');
/** Not a multiple of any cluster size, nor of 512: QEMU rounds it up to 512. */
const DISK_BYTES = 3 * MiB + 1000;
let whole: Uint8Array;
let small: Uint8Array;

beforeAll(() => {
  whole = patternedDisk(DISK_BYTES, 47);
  small = whole.slice(0, 640 * 1024 + 1000);
  writeRaw(work.at('source.raw'), whole);
  writeRaw(work.at('small.raw'), small);
});
afterAll(() => work.dispose());

/** `qemu-img check` of `path`: its exit code and its report. */
function check(path: string): { status: number; report: string } {
  const report = run('qemu-img', ['check', '-f', 'qcow2', path], [0, 1, 2, 3]);
  return { status: /No errors were found/.test(report) ? 0 : 1, report };
}

/** Clusters of `bytes` (zero-padded to whole clusters) holding a nonzero byte. */
function nonzeroClusters(bytes: Uint8Array, clusterSize: number): number {
  let count = 0;
  for (let start = 0; start < bytes.byteLength; start += clusterSize) if (bytes.subarray(start, start + clusterSize).some((byte) => byte !== 0)) count++;
  return count;
}

describe('writeQcow2', () => {
  // 512-byte clusters compress one sector at a time: a smaller source keeps that case quick.
  it.each([512, 4096, 65536, 2 * MiB].flatMap((clusterSize) => [false, true].map((compressed) => [clusterSize, compressed] as const)))(
    'writes a %i-byte-cluster image (compressed: %s) that qemu-img check finds clean and compare finds equal',
    (clusterSize, compressed) => {
      const path = work.at(`out-${clusterSize}-${compressed}.qcow2`);
      const sourceName = clusterSize === 512 && compressed ? 'small.raw' : 'source.raw';
      const disk = clusterSize === 512 && compressed ? small : whole;
      const source = openReader(work.at(sourceName), 'raw');
      const out = NodeFile.open(path, 'create');
      const progress: number[] = [];
      const result = writeQcow2(source, out, { clusterSize, compressed, onProgress: (done) => progress.push(done) });
      out.close();
      source.close();
      const { status, report } = check(path);
      expect(report).toMatch(/No errors were found on the image/);
      expect(status).toBe(0);
      expect(run('qemu-img', ['compare', '-f', 'raw', '-F', 'qcow2', work.at(sourceName), path])).toMatch(/Images are identical/);
      const stored = nonzeroClusters(disk, clusterSize);
      expect(result.dataClusters + result.compressedClusters).toBe(stored);
      expect(report).toMatch(new RegExp(`^${stored}/${Math.ceil(result.size / clusterSize)} = `, 'm'));
      if (compressed) {
        expect(result.compressedClusters).toBeGreaterThan(0);
        if (clusterSize <= 65536) expect(result.dataClusters).toBeGreaterThan(0); // clusters of random bytes do not shrink
      } else expect(result.compressedClusters).toBe(0);
      expect(progress[progress.length - 1]).toBeGreaterThan(0);
      const reader = openReader(path);
      expect(reader).toBeInstanceOf(Qcow2Reader);
      const expected = Buffer.alloc(result.size);
      expected.set(disk);
      expect(firstDifference(readAll(reader), expected)).toBe('identical');
      reader.close();
    },
  );

  it("accepts node's zlib as the compressor (what qedisk convert uses)", () => {
    const path = work.at('node-zlib.qcow2');
    const source = openReader(work.at('source.raw'), 'raw');
    const out = NodeFile.open(path, 'create');
    const result = writeQcow2(source, out, { compressed: true, deflate: (cluster) => deflateRawSync(cluster) });
    out.close();
    source.close();
    expect(result.compressedClusters).toBeGreaterThan(0);
    expect(check(path).status).toBe(0);
    expect(run('qemu-img', ['compare', '-f', 'raw', '-F', 'qcow2', work.at('source.raw'), path])).toMatch(/Images are identical/);
  });

  it('flattens a backing chain, leaving zero clusters and unallocated runs out', () => {
    qemuImg('convert', '-f', 'raw', '-O', 'qcow2', work.at('source.raw'), work.at('chain-base.qcow2'));
    qemuImg('create', '-q', '-f', 'qcow2', '-b', 'chain-base.qcow2', '-F', 'qcow2', work.at('chain-top.qcow2'));
    qemuIo(work.at('chain-top.qcow2'), 'qcow2', ['write -z 0 1M', 'write -P 0x7f 2M 4k']);
    const source = openReader(work.at('chain-top.qcow2'));
    const out = NodeFile.open(work.at('flat.qcow2'), 'create');
    writeQcow2(source, out, {});
    out.close();
    source.close();
    expect(check(work.at('flat.qcow2')).status).toBe(0);
    expect(run('qemu-img', ['compare', '-f', 'qcow2', '-F', 'qcow2', work.at('chain-top.qcow2'), work.at('flat.qcow2')])).toMatch(/Images are identical/);
    expect(readFileSync(work.at('flat.qcow2')).byteLength).toBeLessThan(readFileSync(work.at('chain-base.qcow2')).byteLength);
  });

  it('writes an empty disk and a zero-length disk', () => {
    for (const size of [0, 8 * MiB]) {
      const file = new MemoryFile();
      const writer = new Qcow2Writer(file, size, { clusterSize: 65536 });
      const result = writer.finish();
      expect(result.dataClusters).toBe(0);
      const path = work.at(`empty-${size}.qcow2`);
      writeRaw(path, file.snapshot());
      expect(check(path).status).toBe(0);
      expect(qemuImg('info', '--output=json', path)).toContain(`"virtual-size": ${size}`);
    }
  });

  it('refuses bad cluster sizes and writes out of order', () => {
    expect(() => new Qcow2Writer(new MemoryFile(), MiB, { clusterSize: 256 })).toThrow(QedArgumentError);
    expect(() => new Qcow2Writer(new MemoryFile(), MiB, { clusterSize: 4 * MiB })).toThrow(QedArgumentError);
    expect(() => new Qcow2Writer(new MemoryFile(), MiB, { clusterSize: 3000 })).toThrow(QedArgumentError);
    const writer = new Qcow2Writer(new MemoryFile(), MiB, { clusterSize: 4096 });
    writer.write(8192, new Uint8Array(4096).fill(1));
    expect(() => writer.write(4096, new Uint8Array(4096).fill(1))).toThrow(QedArgumentError);
    expect(() => writer.write(12289, new Uint8Array(4096).fill(1))).toThrow(QedArgumentError);
    expect(() => writer.write(MiB - 4096, new Uint8Array(8192))).toThrow(QedArgumentError);
  });
});
