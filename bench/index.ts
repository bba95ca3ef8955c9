/**
 * `npm run bench [-- --json] [-- --quick] [-- --only=convert|engine|fs|compact|browser|bases|guest|browsers|network|scale]`: qedisk against native QEMU on this machine, in one
 * run, as ratios (qedisk / baseline; 1.0 = as fast as QEMU, higher is better).
 */
import { randomFillSync } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertLines } from './convert-bench.ts';
import { guestLines } from './browser/guest-bench.ts';
import { stackLines } from './browser/stack-bench.ts';
import { backingWriteLines } from './backing-write-bench.ts';
import { engineLines } from './engine-bench.ts';
import { type ScaleFigures, scaleFigures } from './scale-bench.ts';
import type { BenchLine } from './measure.ts';
import { run } from './measure.ts';

const MIB = 1024 * 1024;
const args = new Set(process.argv.slice(2));
const json = args.has('--json');
const quick = args.has('--quick');
const imageSize = quick ? 128 * MIB : 1024 * MIB;
const repeats = quick ? 1 : 3;
/** `--only=convert|engine|fs|compact|browser|bases|guest|browsers|network|scale` runs one group. */
const only = [...args].find((a) => a.startsWith('--only='))?.slice('--only='.length);

/** Writes a raw image whose 1 MiB chunks alternate between random data and zeros (half allocated). */
function writeHalfFullRaw(path: string, size: number): void {
  const fd = openSync(path, 'w');
  const chunk = new Uint8Array(MIB);
  for (let offset = 0; offset < size; offset += MIB) {
    if ((offset / MIB) % 2 === 0) {
      randomFillSync(chunk);
      writeSync(fd, chunk, 0, MIB, offset);
    }
  }
  closeSync(fd);
  run('truncate', ['-s', String(size), path]);
}

function log(message: string): void {
  if (!json) process.stderr.write(`${message}\n`);
}

function printTable(lines: BenchLine[]): void {
  const figure = (value: number): string => value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0);
  const rows = lines.map((l) => [l.name, `${figure(l.qedisk)} ${l.unit}`, `${figure(l.baseline)} ${l.unit}`, l.baselineName, l.ratio.toFixed(2), `${l.ratio >= l.goal ? 'met' : 'short'} (>= ${l.goal.toFixed(2)})`]);
  const header = ['line', 'qedisk', 'baseline', 'baseline is', 'ratio', `goal`];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const format = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(format(row));
}

function printScale(s: ScaleFigures): void {
  console.log('');
  console.log(`scale: 1 TiB sparse disk, ${s.l2Tables} L2 tables, ${(s.allocatedBytes / MIB).toFixed(0)} MiB allocated, file ${(s.physicalSize / MIB).toFixed(0)} MiB`);
  console.log(`  open ${s.openMs.toFixed(1)} ms; ${s.randomReads} random 4 KiB reads over the whole range at ${s.readsPerSecond.toFixed(0)}/s`);
  console.log(`  memory after the reads: ${(s.arrayBufferBytes / MIB).toFixed(1)} MiB of ArrayBuffers (L2 cache ${(s.l2CacheBytes / MIB).toFixed(1)} MiB, bounded)`);
  console.log(`  check ${s.checkMs.toFixed(0)} ms (${(s.physicalSize / MIB / (s.checkMs / 1000)).toFixed(0)} MiB of image per second)`);
}

const work = mkdtempSync(join(process.env['QEDISK_BENCH_DIR'] ?? tmpdir(), 'qedisk-bench-'));
try {
  const sourceRaw = join(work, 'source.raw');
  const sparseQed = join(work, 'sparse.qed');
  const filledQed = join(work, 'filled.qed');
  const emptyQed = join(work, 'empty.qed');
  if (only === undefined || only === 'convert' || only === 'engine') {
    log(`preparing ${imageSize / MIB} MiB images in ${work} ...`);
    writeHalfFullRaw(sourceRaw, imageSize);
    run('qemu-img', ['convert', '-f', 'raw', '-O', 'qed', sourceRaw, sparseQed]);
    run('qemu-img', ['convert', '-S', '0', '-f', 'raw', '-O', 'qed', sourceRaw, filledQed]);
    run('qemu-img', ['create', '-q', '-f', 'qed', emptyQed, String(imageSize)]);
  }
  const lines: BenchLine[] = [];
  if (only === undefined || only === 'convert') {
    log('measuring convert ...');
    lines.push(...convertLines(work, sparseQed, sourceRaw, imageSize, repeats));
    lines.push(...(await import('./formats-bench.ts')).formatsLines(work, sourceRaw, imageSize, repeats));
  }
  if (only === undefined || only === 'engine') {
    log('measuring engine ...');
    lines.push(...engineLines(work, filledQed, emptyQed, imageSize, repeats));
    lines.push(...backingWriteLines(work, imageSize, repeats));
  }
  if (only === undefined || only === 'compact') lines.push((log('measuring compaction against qemu-img convert ...'), (await import('./compact-bench.ts')).compactLine(work, quick ? 256 * MIB : 1024 * MIB, repeats, log)));
  if (only === undefined || only === 'fs') lines.push(...(log('measuring file systems (64 MiB file vs debugfs and mcopy) ...'), (await import('./fs-bench.ts')).fsLines(work, repeats)));
  if (only === undefined || only === 'browser') {
    log('measuring the browser stack (page -> Comlink -> worker -> engine -> OPFS) ...');
    lines.push(...(await stackLines()));
  }
  if (only === undefined || only === 'bases') lines.push(...(log('measuring first boots from an HTTP base: raw ext2 against compressed qcow2 ...'), await (await import('./browser/base-fetch-bench.ts')).baseFetchLines({ log, repeats: quick ? 1 : 2 })));
  if (only === undefined || only === 'guest') {
    log('measuring the guest (v86 boots Linux in Chromium) ...');
    lines.push(...(await guestLines({ log })));
  }
  if (only === undefined || only === 'browsers') {
    log('measuring the same cold boot in Chromium and Firefox ...');
    const { browserLines, browserSamples } = await import('./browser/guest-browsers.ts');
    lines.push(...browserLines(await browserSamples(1, log)));
  }
  if (only === undefined || only === 'network') lines.push(...(log('measuring boots over emulated networks (busybox and Python bases) ...'), await (await import('./browser/network-boot-bench.ts')).networkLines({ log })));
  let scale: ScaleFigures | null = null;
  if (only === undefined || only === 'scale') {
    log('measuring scale (1 TiB sparse disk) ...');
    scale = scaleFigures(work, quick ? 64 : 512, quick ? 20_000 : 100_000, repeats);
    lines.push(scale.paged);
  }
  if (json) console.log(JSON.stringify({ imageSize, repeats, qemu: run('qemu-img', ['--version']).split('\n')[0], lines, scale }, null, 2));
  else {
    console.log(`qedisk vs native QEMU, ${imageSize / MIB} MiB image, median of ${repeats}, ratio = qedisk / baseline (higher is better)`);
    if (lines.length > 0) printTable(lines);
    if (scale) printScale(scale);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
