/**
 * The odd images QEMU 7.2 itself produces (see /work/shared/scripts/qemu-interop-demo.sh):
 * q2, where one big write over-allocates a cluster past its end, and tr.qed, a truncated file
 * whose last data cluster starts inside the partial final cluster. Also: qedisk, writing the
 * same requests, does not reproduce those QEMU quirks.
 */
import { truncateSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeFile, QedImage, nodeBackingResolver } from '../../src/node.ts';
import { qemuCheck, qemuCreate, qemuImg, qemuIo, qemuReadAll, qemuReadRange } from './qemu.ts';
import { fileBytes, firstDifference, makeScratch, openQed } from './scratch.ts';

const K = 1024;
const M = 1024 * K;
const scratch = makeScratch('quirks');
afterAll(() => scratch.remove());

describe('the q2 image: 4K/ts16 over a raw backing file, one 16 MiB write', () => {
  const path = scratch.path('q2.qed');
  beforeAll(() => {
    qemuImg(['create', '-q', '-f', 'raw', scratch.path('b24.raw'), String(24 * M)]);
    qemuIo(scratch.path('b24.raw'), [`write -q -P 0x11 0 ${24 * M}`], { format: 'raw' });
    qemuCreate(path, { clusterSize: 4 * K, tableSize: 16, backing: { name: 'b24.raw', format: 'raw' } });
    qemuIo(path, [`write -q -P 0xab 0 ${16 * M}`]);
  });

  it('loses the backing data of the cluster after the write in QEMU (the quirk is present)', () => {
    expect(qemuIo(path, [`read -q -P 0x11 ${16 * M} 4096`], { readOnly: true, allowed: [0, 1] }).status).toBe(1);
  });

  it('reads every byte as qemu-img convert does, the over-allocated cluster as zeros', () => {
    const expected = qemuReadAll(path, scratch.path('q2.raw'));
    const image = openQed(path, true);
    try {
      expect(firstDifference(image.read(0, image.size), expected)).toBeNull();
      expect(image.read(16 * M, 4096).every((byte) => byte === 0)).toBe(true);
      expect(image.read(16 * M + 4096, 4096).every((byte) => byte === 0x11)).toBe(true);
    } finally {
      image.close();
    }
  });

  it('counts allocated clusters as qemu-img check does, without its phantom leak', () => {
    const qemu = qemuCheck(path);
    expect(qemu).toMatchObject({ status: 3, corruptions: 0, leaks: 1 });
    const image = openQed(path, true);
    try {
      const report = image.check();
      expect(report.allocatedClusters).toBe(qemu.allocatedClusters);
      expect(report.fragmentedClusters).toBe(qemu.fragmentedClusters);
      expect(report.totalClusters).toBe(qemu.totalClusters);
      expect(report.corruptions).toBe(0);
      expect(report.leaks).toBe(0);
    } finally {
      image.close();
    }
  });
});

describe('the truncated tr.qed image: 64K clusters, file cut to 0xB8000 bytes', () => {
  const path = scratch.path('tr.qed');
  let before: Uint8Array = new Uint8Array(0);
  beforeAll(() => {
    qemuCreate(path, { size: 8 * M });
    qemuIo(path, ['write -q -P 0xaa 0 64k', 'write -q -P 0xbb 64k 128k']);
    truncateSync(path, 0xb8000);
    before = fileBytes(path);
  });

  it('reads [0, 128K), the range QEMU reads with single requests, as QEMU does', () => {
    const image = openQed(path, true);
    try {
      for (const [offset, length] of [
        [0, 128 * K],
        [60 * K, 8 * K],
        [64 * K, 64 * K],
      ] as const) {
        const qemu = qemuReadRange(path, offset, length);
        expect(qemu, `QEMU reads [${offset}, +${length})`).not.toBeNull();
        expect(firstDifference(image.read(offset, length), qemu ?? new Uint8Array(0), offset)).toBeNull();
      }
    } finally {
      image.close();
    }
  });

  it('reads the unallocated rest of the disk as zeros, as QEMU does', () => {
    qemuIo(path, [`read -q -P 0 ${192 * K} ${8 * M - 192 * K}`], { readOnly: true });
    const image = openQed(path, true);
    try {
      expect(image.read(192 * K, 8 * M - 192 * K).every((byte) => byte === 0)).toBe(true);
    } finally {
      image.close();
    }
  });

  it('reads the cluster starting in the partial final cluster as zeros, where QEMU answers by request shape', () => {
    // QEMU: the cluster alone fails with EINVAL; as part of a run from 64K it reads the 32K that
    // survive on disk, then zeros. qedisk treats an entry at or past the rounded-down end of the
    // file as reading zeros, whatever the request looks like.
    expect(qemuReadRange(path, 128 * K, 64 * K)).toBeNull();
    const run = qemuReadRange(path, 64 * K, 128 * K);
    expect(run?.subarray(64 * K, 96 * K).every((byte) => byte === 0xbb)).toBe(true);
    expect(run?.subarray(96 * K).every((byte) => byte === 0)).toBe(true);
    const image = openQed(path, true);
    try {
      expect(image.read(128 * K, 64 * K).every((byte) => byte === 0)).toBe(true);
      expect(image.read(64 * K, 128 * K).subarray(64 * K).every((byte) => byte === 0)).toBe(true);
    } finally {
      image.close();
    }
  });

  it('counts what qemu-img check counts, read-only, without changing the file', () => {
    const qemu = qemuCheck(path);
    expect(qemu).toMatchObject({ status: 2, corruptions: 1 });
    const image = openQed(path, true);
    try {
      expect(image.check()).toMatchObject({
        corruptions: qemu.corruptions,
        leaks: qemu.leaks,
        checkErrors: qemu.checkErrors,
        allocatedClusters: qemu.allocatedClusters,
        fragmentedClusters: qemu.fragmentedClusters,
        totalClusters: qemu.totalClusters,
      });
    } finally {
      image.close();
    }
    expect(firstDifference(fileBytes(path), before)).toBeNull();
  });
});

describe('qedisk writing where QEMU 7.2 has quirks, QEMU reading', () => {
  it('keeps the backing data after one 16 MiB write on 4K/ts16 (no over-allocated cluster)', () => {
    const path = scratch.path('q2-qedisk.qed');
    const base = scratch.path('b20.raw');
    qemuImg(['create', '-q', '-f', 'raw', base, String(20 * M)]);
    qemuIo(base, [`write -q -P 0x11 0 ${20 * M}`], { format: 'raw' });
    const image = QedImage.create(NodeFile.open(path, 'create'), {
      clusterSize: 4 * K,
      tableSize: 16,
      backing: { name: 'b20.raw', format: 'raw' },
      resolveBacking: nodeBackingResolver(path),
    });
    try {
      image.write(0, new Uint8Array(16 * M).fill(0xab));
    } finally {
      image.close();
    }
    qemuIo(path, [`read -q -P 0xab 0 ${16 * M}`, `read -q -P 0x11 ${16 * M} ${4 * M}`], { readOnly: true });
    const check = qemuCheck(path);
    expect(check.corruptions).toBe(0);
    expect(check.allocatedClusters).toBe(4096);
  });

  it('fills the rest of a zero cluster with zeros on a partial write over a backing file', () => {
    writeFileSync(scratch.path('b1.raw'), new Uint8Array(M).fill(0x11));
    const path = scratch.path('zero-then-write.qed');
    const image = QedImage.create(NodeFile.open(path, 'create'), { backing: { name: 'b1.raw', format: 'raw' }, resolveBacking: nodeBackingResolver(path) });
    try {
      image.writeZeroes(0, 64 * K);
      image.write(0, new Uint8Array(4 * K).fill(0xab));
    } finally {
      image.close();
    }
    qemuIo(path, ['read -q -P 0xab 0 4k', 'read -q -P 0 4k 60k', 'read -q -P 0x11 64k 64k'], { readOnly: true });
    expect(qemuCheck(path).status).toBe(0);
  });
});
