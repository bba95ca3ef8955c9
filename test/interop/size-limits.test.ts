/**
 * Virtual size limits as QEMU 7.2 draws them: size 0, the largest size a geometry allows (and
 * one sector more), and geometries whose maximum wraps to 0 in QEMU's 64-bit arithmetic.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { NodeFile, QedImage, QedRangeError } from '../../src/node.ts';
import { qemuCheck, qemuCreate, qemuImg, qemuInfo, qemuIo } from './qemu.ts';
import { fileBytes, firstDifference, makeScratch, openQed } from './scratch.ts';

const GIB = 2 ** 30;
const TIB = 2 ** 40;
const scratch = makeScratch('limits');
afterAll(() => scratch.remove());

/** Creates an image with qedisk and closes it; returns what `create` threw, or null. */
function qediskCreate(name: string, size: number, clusterSize: number, tableSize: number): unknown {
  try {
    QedImage.create(NodeFile.open(scratch.path(name), 'create'), { size, clusterSize, tableSize }).close();
    return null;
  } catch (error) {
    return error;
  }
}

/** Exit code of `qemu-img create` for the same request. */
function qemuCreateStatus(name: string, size: number, clusterSize: number, tableSize: number): number {
  return qemuImg(['create', '-q', '-f', 'qed', '-o', `cluster_size=${clusterSize},table_size=${tableSize}`, scratch.path(name), String(size)], [0, 1]).status;
}

describe('virtual size limits shared with QEMU', () => {
  it('creates an empty (size 0) image byte-identical to qemu-img create, which both open', () => {
    qemuCreate(scratch.path('zero-qemu.qed'), { size: 0 });
    expect(qediskCreate('zero-qedisk.qed', 0, 65536, 4)).toBeNull();
    expect(firstDifference(fileBytes(scratch.path('zero-qedisk.qed')), fileBytes(scratch.path('zero-qemu.qed')))).toBeNull();
    const image = openQed(scratch.path('zero-qemu.qed'), true);
    try {
      expect(image.size).toBe(0);
      expect(image.map()).toEqual([]);
      expect(image.check()).toMatchObject({ corruptions: 0, leaks: 0, totalClusters: 0 });
    } finally {
      image.close();
    }
  });

  it('accepts the maximum size of 4K/ts2 (4 GiB) as QEMU does, and writes its very last bytes', () => {
    expect(qemuCreateStatus('max-qemu.qed', 4 * GIB, 4096, 2)).toBe(0);
    expect(qediskCreate('max-qedisk.qed', 4 * GIB, 4096, 2)).toBeNull();
    const path = scratch.path('max-qedisk.qed');
    expect(firstDifference(fileBytes(path), fileBytes(scratch.path('max-qemu.qed')))).toBeNull();
    const image = openQed(path, false);
    try {
      image.write(4 * GIB - 1000, new Uint8Array(1000).fill(9));
    } finally {
      image.close();
    }
    expect(qemuCheck(path).status).toBe(0);
    qemuIo(path, [`read -q -P 9 ${4 * GIB - 1000} 1000`], { readOnly: true });
  });

  it('refuses one sector more than the maximum, as QEMU does', () => {
    expect(qemuCreateStatus('over-qemu.qed', 4 * GIB + 512, 4096, 2)).toBe(1);
    expect(qediskCreate('over-qedisk.qed', 4 * GIB + 512, 4096, 2)).toBeInstanceOf(QedRangeError);
  });

  it('refuses a non-zero size where the maximum wraps to 0 (2M/ts16) and accepts size 0, as QEMU does', () => {
    expect(qemuCreateStatus('wrap-qemu.qed', 8 * 2 ** 20, 2 * 2 ** 20, 16)).toBe(1);
    expect(qediskCreate('wrap-qedisk.qed', 8 * 2 ** 20, 2 * 2 ** 20, 16)).toBeInstanceOf(QedRangeError);
    expect(qemuCreateStatus('wrap0-qemu.qed', 0, 2 * 2 ** 20, 16)).toBe(0);
    expect(qediskCreate('wrap0-qedisk.qed', 0, 2 * 2 ** 20, 16)).toBeNull();
    expect(qemuInfo(scratch.path('wrap0-qedisk.qed'))).toMatchObject({ virtualSize: 0, clusterSize: 2 * 2 ** 20 });
  });

  it('opens an image qemu-img resize grew to the 64T maximum, and refuses to grow it further', () => {
    const path = scratch.path('resized.qed');
    qemuCreate(path, { size: 8 * 2 ** 20 });
    qemuImg(['resize', '-q', '-f', 'qed', path, '64T']);
    expect(qemuImg(['resize', '-q', '-f', 'qed', path, String(64 * TIB + 512)], [0, 1]).status).toBe(1);
    const image = openQed(path, false);
    try {
      expect(image.size).toBe(64 * TIB);
      expect(() => image.resize(64 * TIB + 512)).toThrow(QedRangeError);
      image.write(64 * TIB - 512, new Uint8Array(512).fill(3));
    } finally {
      image.close();
    }
    expect(qemuCheck(path).status).toBe(0);
    qemuIo(path, [`read -q -P 3 ${64 * TIB - 512} 512`], { readOnly: true });
  });
});
