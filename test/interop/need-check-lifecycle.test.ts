/**
 * The need-check lifecycle across programs: a file copied while qedisk has it open (as a crash
 * would leave it) is repaired by QEMU's read-write open, and the data is there.
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeFile, QedImage, nodeBackingResolver } from '../../src/node.ts';
import { CrashRecorder, type CrashSnapshot } from './crash-recorder.ts';
import { readHeader } from './poke.ts';
import { qemuCheck, qemuIo, qemuReadAll } from './qemu.ts';
import { makeScratch } from './scratch.ts';

const K = 1024;
const M = 1024 * K;
const NEED_CHECK = 0x2n;
const scratch = makeScratch('need-check');
afterAll(() => scratch.remove());

describe('a qedisk image copied while open after an allocating write', () => {
  it('has no need-check bit before the first allocating write', () => {
    const path = scratch.path('fresh.qed');
    const image = QedImage.create(NodeFile.open(path, 'create'), { size: 8 * M });
    try {
      copyFileSync(path, scratch.path('fresh-copy.qed'));
    } finally {
      image.close();
    }
    expect(readHeader(scratch.path('fresh-copy.qed')).features & NEED_CHECK).toBe(0n);
    expect(qemuCheck(scratch.path('fresh-copy.qed')).status).toBe(0);
  });

  it('carries the need-check bit, which qemu-io clears on a read-write open, and holds the data', () => {
    const path = scratch.path('open.qed');
    const copy = scratch.path('open-copy.qed');
    const image = QedImage.create(NodeFile.open(path, 'create'), { size: 8 * M });
    try {
      image.write(0, new Uint8Array(64 * K).fill(0xab));
      image.write(3 * M + 100, new Uint8Array(5000).fill(0xcd));
      copyFileSync(path, copy);
    } finally {
      image.close();
    }
    expect(readHeader(path).features & NEED_CHECK).toBe(0n);
    expect(readHeader(copy).features & NEED_CHECK).toBe(NEED_CHECK);
    qemuIo(copy, ['read -q -P 0xab 0 64k', `read -q -P 0xcd ${3 * M + 100} 5000`, `read -q -P 0 ${3 * M + 5100} 1000`]);
    expect(readHeader(copy).features & NEED_CHECK).toBe(0n);
    expect(qemuCheck(copy).status).toBe(0);
  });

  it('over a raw backing file relies on flush ordering: no bit, consistent, data there', () => {
    const base = scratch.path('base.raw');
    writeFileSync(base, new Uint8Array(4 * M).fill(0x11));
    const path = scratch.path('overlay.qed');
    const copy = scratch.path('overlay-copy.qed');
    const image = QedImage.create(NodeFile.open(path, 'create'), { size: 8 * M, backing: { name: 'base.raw', format: 'raw' }, resolveBacking: nodeBackingResolver(path) });
    try {
      image.write(70 * K, new Uint8Array(1000).fill(0xab));
      copyFileSync(path, copy);
    } finally {
      image.close();
    }
    expect(readHeader(copy).features & NEED_CHECK).toBe(0n);
    expect(qemuCheck(copy).status).toBe(0);
    qemuIo(copy, ['read -q -P 0x11 64k 6k', 'read -q -P 0xab 70k 1000', `read -q -P 0x11 ${70 * K + 1000} ${58 * K - 1000}`], { readOnly: true });
  });
});

/** The guest operations of the crash sweep, on a 4K/ts2 image (one L2 table maps 4 MiB). */
const OPERATIONS: ReadonlyArray<{ label: string; run: (image: QedImage, model: Uint8Array) => void }> = [
  { label: 'write 6000 bytes at 0 (new L2 table)', run: (i, m) => writeFill(i, m, 0x11, 0, 6000) },
  { label: 'write across the first L2 table boundary', run: (i, m) => writeFill(i, m, 0x22, 4 * M - 3000, 6000) },
  { label: 'write zeroes over 64K, aligned', run: (i, m) => zero(i, m, 64 * K, 64 * K) },
  { label: 'overwrite 50 bytes in place', run: (i, m) => writeFill(i, m, 0x33, 100, 50) },
  { label: 'write zeroes, unaligned, in a third L2 table', run: (i, m) => zero(i, m, 8 * M + 100, 9000) },
  { label: 'write into a zero cluster', run: (i, m) => writeFill(i, m, 0x44, 64 * K + 4000, 200) },
];

function writeFill(image: QedImage, model: Uint8Array, value: number, offset: number, length: number): void {
  image.write(offset, new Uint8Array(length).fill(value));
  model.fill(value, offset, offset + length);
}

function zero(image: QedImage, model: Uint8Array, offset: number, length: number): void {
  image.writeZeroes(offset, length);
  model.fill(0, offset, offset + length);
}

/** Runs the operations on a recorded image; returns the snapshots and the model before each operation (and after the last). */
function recordCrashes(): { snapshots: CrashSnapshot[]; models: Uint8Array[] } {
  const file = new CrashRecorder();
  const image = QedImage.create(file, { size: 9 * M, clusterSize: 4 * K, tableSize: 2 });
  const model = new Uint8Array(image.size);
  const models = [model.slice()];
  file.recording = true;
  OPERATIONS.forEach((operation, index) => {
    file.operation = index;
    operation.run(image, model);
    models.push(model.slice());
  });
  file.operation = OPERATIONS.length;
  image.close();
  return { snapshots: file.snapshots, models };
}

describe('crashes after every file write of a qedisk workload', () => {
  const { snapshots, models } = recordCrashes();

  it('records a snapshot for every file write, at least one per operation', () => {
    expect(new Set(snapshots.map((snapshot) => snapshot.operation)).size).toBe(OPERATIONS.length + 1);
  });

  snapshots.forEach((snapshot) => {
    const during = OPERATIONS[snapshot.operation]?.label ?? 'close';
    it(`crash after file write #${snapshot.call} (during "${during}"): qemu-io repairs it, each byte old or new`, () => {
      const path = scratch.path(`crash-${snapshot.call}.qed`);
      writeFileSync(path, snapshot.bytes);
      qemuIo(path, ['read -q 0 512']);
      expect(readHeader(path).features & NEED_CHECK).toBe(0n);
      const check = qemuCheck(path);
      expect(check.corruptions).toBe(0);
      expect([0, 3]).toContain(check.status);
      const bytes = qemuReadAll(path, scratch.path(`crash-${snapshot.call}.raw`));
      const before = models[snapshot.operation];
      const after = models[Math.min(snapshot.operation + 1, OPERATIONS.length)];
      if (!before || !after) throw new Error('missing model');
      const wrong = bytes.findIndex((byte, i) => byte !== before[i] && byte !== after[i]);
      expect(wrong, `byte ${wrong} is neither the old nor the new value`).toBe(-1);
      expect(bytes.byteLength).toBe(before.byteLength);
    });
  });
});
