/**
 * qcow2 -> raw conversion: `qedisk convert` against `qemu-img convert` on the same images, side
 * by side in one run: a plain qcow2 made from the half-allocated source, and a zlib-compressed
 * qcow2 of a compressible disk (every cluster deflated, so the line measures decompression).
 */
import { randomFillSync } from 'node:crypto';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { measureConvert } from './convert-bench.ts';
import { type BenchLine, run } from './measure.ts';

const MIB = 1024 * 1024;

/** Writes a raw disk of `size` bytes whose even MiBs hold bytes from a 16-symbol alphabet (deflates to about half) and odd MiBs zeros. */
function writeCompressibleRaw(path: string, size: number): void {
  const fd = openSync(path, 'w');
  const chunk = new Uint8Array(MIB);
  for (let offset = 0; offset < size; offset += 2 * MIB) {
    randomFillSync(chunk);
    for (let i = 0; i < chunk.length; i++) chunk[i] = 0x40 + (chunk[i]! & 0x0f);
    writeSync(fd, chunk, 0, Math.min(MIB, size - offset), offset);
  }
  closeSync(fd);
  run('truncate', ['-s', String(size), path]);
}

/** One qcow2 -> raw conversion of `image` measured both ways, in MiB/s of virtual disk. */
function measure(name: string, image: string, output: string, imageSize: number, repeats: number): BenchLine {
  return measureConvert(name, imageSize, repeats, output, ['convert', '-O', 'raw', image, output], ['convert', '-f', 'qcow2', '-O', 'raw', image, output]);
}

/** The qcow2 lines: `sourceRaw` (half random data, half zeros) as plain qcow2, and a compressible disk as compressed qcow2. */
export function formatsLines(work: string, sourceRaw: string, imageSize: number, repeats: number): BenchLine[] {
  const plain = `${work}/formats-plain.qcow2`;
  const compressibleRaw = `${work}/formats-compressible.raw`;
  const compressed = `${work}/formats-compressed.qcow2`;
  run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', sourceRaw, plain]);
  writeCompressibleRaw(compressibleRaw, imageSize);
  run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', '-c', compressibleRaw, compressed]);
  rmSync(compressibleRaw, { force: true });
  const output = `${work}/formats-out.raw`;
  return [measure('convert qcow2 -> raw', plain, output, imageSize, repeats), measure('convert qcow2 (zlib) -> raw', compressed, output, imageSize, repeats)];
}
