/**
 * Scale: a 1 TiB sparse disk written at random places over its whole range. Reports open time,
 * memory after random reads over the whole range (the L2 cache must stay bounded), and check time
 * against allocated size. Figures, not ratios: there is no QEMU equivalent of the memory bound.
 */
import { rmSync } from 'node:fs';
import { NodeFile } from '../src/backends/node-file.ts';
import { QedImage } from '../src/engine/qed-image.ts';
import { timeSeconds } from './measure.ts';

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
  /** Bytes of ArrayBuffers alive after the reads (engine buffers: L1, L2 cache, scratch). */
  arrayBufferBytes: number;
  l2CacheBytes: number;
  checkMs: number;
}

/** A seeded PRNG (xorshift32) for reproducible offsets. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

/** Builds the sparse disk (one 4 KiB write in each of `tables` L2 ranges) and measures it. */
export function scaleFigures(work: string, tables: number, reads: number): ScaleFigures {
  const path = `${work}/scale.qed`;
  const image = QedImage.create(NodeFile.open(path, 'create'), { size: TIB });
  const perTable = image.geometry.bytesPerL2Table;
  const random = prng(7);
  const block = new Uint8Array(4 * KIB).fill(0x5a);
  const stride = Math.floor(TIB / perTable / tables);
  for (let t = 0; t < tables; t++) image.write((t * stride) * perTable + Math.floor(random() * (perTable / block.byteLength)) * block.byteLength, block);
  image.close();
  let reopened: QedImage | undefined;
  const openMs = timeSeconds(() => {
    reopened = QedImage.open(NodeFile.open(path, 'readwrite'));
  }) * 1000;
  const disk = reopened!;
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
    arrayBufferBytes,
    l2CacheBytes: info.io.l2Cache.bytes,
    checkMs,
  };
}
