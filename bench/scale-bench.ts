/**
 * Scale: a 1 TiB sparse disk written at random places over its whole range. Reports open time,
 * memory after random reads over the whole range (the L2 cache must stay bounded), and check time
 * against allocated size; and, as a ratio measured side by side in the same run, random 4 KiB
 * reads with the default L2 pages (4 KiB) against whole-table caching (what the engine did
 * before pages, and what QEMU's QED driver does), both with the default 8 MiB cache.
 */
import { rmSync } from 'node:fs';
import { NodeFile } from '../src/backends/node-file.ts';
import { QedImage } from '../src/engine/qed-image.ts';
import { seededFloats } from '../test/support/mulberry32.ts';
import { type BenchLine, sideBySide, timeSeconds } from './measure.ts';

const KIB = 1024;
const TIB = 1024 ** 4;

/** One scale measurement. */
export interface ScaleFigures {
  virtualSize: number;
  l2Tables: number;
  allocatedBytes: number;
  physicalSize: number;
  openMs: number;
  randomReads: number;
  readsPerSecond: number;
  /** Random reads with whole L2 tables cached instead of pages, for comparison. */
  paged: BenchLine;
  /** Bytes of ArrayBuffers alive after the reads (engine buffers: L1, L2 cache, scratch). */
  arrayBufferBytes: number;
  l2CacheBytes: number;
  checkMs: number;
}

/** Random 4 KiB reads per second over the whole disk at `path`, opened with `l2PageBytes`. */
function randomReadRate(path: string, reads: number, seed: number, l2PageBytes: number | undefined): number {
  const disk = QedImage.open(NodeFile.open(path, 'read'), { readOnly: true, ...(l2PageBytes === undefined ? {} : { l2PageBytes }) });
  const random = seededFloats(seed);
  const target = new Uint8Array(4 * KIB);
  const seconds = timeSeconds(() => {
    for (let i = 0; i < reads; i++) disk.readInto(Math.floor(random() * (TIB / target.byteLength)) * target.byteLength, target);
  });
  disk.close();
  return reads / seconds;
}

/**
 * Random 4 KiB reads over the disk at `path`: L2 pages against whole tables, `repeats` times
 * each, alternating, as a bench line (goal: 5 times the whole-table rate).
 */
export function pagedReadLine(path: string, tables: number, reads: number, repeats: number): BenchLine {
  const { qedisk, baseline } = sideBySide(repeats, () => randomReadRate(path, reads, 11, undefined), () => randomReadRate(path, reads, 11, WHOLE_TABLES));
  return { name: `4 KiB random reads, 1 TiB sparse disk, ${tables} L2 tables, 8 MiB cache`, unit: 'reads/s', qedisk, baseline, baselineName: 'whole L2 tables cached (before)', ratio: qedisk / baseline, goal: 5 };
}

/** An L2 page size larger than any table: the cache holds whole tables. */
const WHOLE_TABLES = 1 << 30;

/** Builds the sparse disk (one 4 KiB write in each of `tables` L2 ranges) and measures it. */
export function scaleFigures(work: string, tables: number, reads: number, repeats = 3): ScaleFigures {
  const path = `${work}/scale.qed`;
  const image = QedImage.create(NodeFile.open(path, 'create'), { size: TIB });
  const perTable = image.geometry.bytesPerL2Table;
  const random = seededFloats(7);
  const block = new Uint8Array(4 * KIB).fill(0x5a);
  const stride = Math.floor(TIB / perTable / tables);
  for (let t = 0; t < tables; t++) image.write((t * stride) * perTable + Math.floor(random() * (perTable / block.byteLength)) * block.byteLength, block);
  image.close();
  let reopened: QedImage | undefined;
  const openMs = timeSeconds(() => {
    reopened = QedImage.open(NodeFile.open(path, 'readwrite'));
  }) * 1000;
  const disk = reopened!;
  const paged = pagedReadLine(path, tables, Math.max(2000, Math.floor(reads / 5)), repeats);
  const target = new Uint8Array(4 * KIB);
  const readSeconds = timeSeconds(() => {
    for (let i = 0; i < reads; i++) disk.readInto(Math.floor(random() * (TIB / target.byteLength)) * target.byteLength, target);
  });
  globalThis.gc?.();
  const arrayBufferBytes = process.memoryUsage().arrayBuffers;
  const info = disk.info();
  let checkMs = 0;
  checkMs = timeSeconds(() => void disk.check()) * 1000;
  disk.close();
  rmSync(path, { force: true });
  return {
    virtualSize: TIB,
    l2Tables: tables,
    allocatedBytes: info.allocatedBytes,
    physicalSize: info.physicalSize,
    openMs,
    randomReads: reads,
    readsPerSecond: reads / readSeconds,
    paged,
    arrayBufferBytes,
    l2CacheBytes: info.io.l2Cache.bytes,
    checkMs,
  };
}
