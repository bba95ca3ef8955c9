/**
 * Backing files as QEMU resolves and reads them: relative chains across directories, names
 * rewritten by `qemu-img rebase -u`, the no-probe bit, odd backing sizes, and overlays that
 * grow over a longer backing file.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeFile, QedImage, nodeBackingResolver } from '../../src/node.ts';
import { Rng } from './prng.ts';
import { qemuCreate, qemuImg, qemuInfo, qemuIo, qemuReadAll } from './qemu.ts';
import { firstDifference, makeScratch, openQed } from './scratch.ts';

const K = 1024;
const M = 1024 * K;
const scratch = makeScratch('backing');
afterAll(() => scratch.remove());

/** Asserts that qedisk reads every byte of `path` as `qemu-img convert` does; returns those bytes. */
function expectReadsAsQemu(path: string): Uint8Array {
  const expected = qemuReadAll(path, `${path}.raw`);
  const image = openQed(path, true);
  try {
    expect(image.size).toBe(expected.byteLength);
    expect(firstDifference(image.read(0, image.size), expected)).toBeNull();
  } finally {
    image.close();
  }
  return expected;
}

describe('backing files', () => {
  it('follows a relative chain across directories: overlay -> sub/mid.qed -> base.raw next to mid', () => {
    mkdirSync(scratch.path('sub'));
    writeFileSync(scratch.path('sub/base.raw'), new Rng(1).bytes(3 * M));
    qemuCreate(scratch.path('sub/mid.qed'), { size: 4 * M, backing: { name: 'base.raw', format: 'raw' } });
    qemuIo(scratch.path('sub/mid.qed'), ['write -q -P 0x6d 100k 10k', 'write -q -z 1M 64k']);
    const top = scratch.path('chain.qed');
    qemuCreate(top, { size: 5 * M, clusterSize: 4 * K, tableSize: 2, backing: { name: 'sub/mid.qed', format: 'qed' } });
    qemuIo(top, ['write -q -P 0x70 90k 5k']);
    const bytes = expectReadsAsQemu(top);
    expect(bytes.subarray(200 * K, 201 * K).some((byte) => byte !== 0)).toBe(true);
  });

  it('reads exactly backing_filename_size bytes of a name shortened by qemu-img rebase -u', () => {
    writeFileSync(scratch.path('old-base.raw'), new Uint8Array(2 * M).fill(0x01));
    writeFileSync(scratch.path('new.raw'), new Rng(2).bytes(2 * M));
    const path = scratch.path('rebased.qed');
    qemuCreate(path, { size: 2 * M, backing: { name: 'old-base.raw', format: 'raw' } });
    qemuIo(path, ['write -q -P 0x42 64k 1000']);
    qemuImg(['rebase', '-u', '-b', 'new.raw', '-F', 'raw', path]);
    const image = openQed(path, true);
    try {
      expect(image.backingName).toBe('new.raw');
    } finally {
      image.close();
    }
    expectReadsAsQemu(path);
  });

  it('reads a raw backing file that starts with a QED header as raw bytes when -F raw set the no-probe bit', () => {
    const lookalike = scratch.path('looks-like-qed.raw');
    qemuCreate(lookalike, { size: 8 * M });
    qemuIo(lookalike, ['write -q -P 0x99 0 64k']);
    const path = scratch.path('over-lookalike.qed');
    qemuCreate(path, { size: 1 * M, backing: { name: 'looks-like-qed.raw', format: 'raw' } });
    qemuIo(path, ['write -q -P 0x42 512k 1000']);
    expect(qemuInfo(path).backingFilenameFormat).toBe('raw');
    const bytes = expectReadsAsQemu(path);
    expect([bytes[0], bytes[1], bytes[2], bytes[3]]).toEqual([0x51, 0x45, 0x44, 0x00]);
  });

  it('reads zeros past a raw backing file that ends mid-sector, as QEMU does', () => {
    writeFileSync(scratch.path('odd.raw'), new Rng(3).bytes(1_000_001));
    const path = scratch.path('over-odd.qed');
    qemuCreate(path, { size: 2 * M, clusterSize: 4 * K, tableSize: 2, backing: { name: 'odd.raw', format: 'raw' } });
    qemuIo(path, ['write -q -P 0x42 999000 500']);
    const bytes = expectReadsAsQemu(path);
    expect(bytes.subarray(1_000_001).every((byte) => byte === 0)).toBe(true);
  });

  it('takes its size from the backing file when created without one, as qemu-img create does', () => {
    writeFileSync(scratch.path('sized.raw'), new Rng(4).bytes(3_000_000));
    qemuCreate(scratch.path('sized-qemu.qed'), { backing: { name: 'sized.raw', format: 'raw' } });
    const path = scratch.path('sized-qedisk.qed');
    const image = QedImage.create(NodeFile.open(path, 'create'), { backing: { name: 'sized.raw', format: 'raw' }, resolveBacking: nodeBackingResolver(path) });
    image.close();
    expect(qemuInfo(path).virtualSize).toBe(qemuInfo(scratch.path('sized-qemu.qed')).virtualSize);
    expectReadsAsQemu(path);
  });

  it('grows over a longer backing file, whose bytes then show in the grown range for both programs', () => {
    const backing = new Rng(5).bytes(4 * M);
    writeFileSync(scratch.path('long.raw'), backing);
    const path = scratch.path('grown.qed');
    const oldSize = 2 * M - 512;
    const image = QedImage.create(NodeFile.open(path, 'create'), { size: oldSize, backing: { name: 'long.raw', format: 'raw' }, resolveBacking: nodeBackingResolver(path) });
    try {
      image.write(oldSize - 3000, new Uint8Array(3000).fill(0x42));
      image.resize(6 * M);
      image.write(5 * M, new Uint8Array(100).fill(0x43));
    } finally {
      image.close();
    }
    const bytes = expectReadsAsQemu(path);
    // The tail of the last old cluster was filled from the backing file when it was allocated.
    expect(firstDifference(bytes.subarray(oldSize, 4 * M), backing.subarray(oldSize), oldSize)).toBeNull();
    expect(bytes.subarray(4 * M, 5 * M).every((byte) => byte === 0)).toBe(true);
  });

  it('resolves the backing name next to the image, so a moved copy reads the backing file beside it', () => {
    mkdirSync(scratch.path('first'));
    mkdirSync(scratch.path('second'));
    writeFileSync(scratch.path('first/base.raw'), new Uint8Array(M).fill(0x01));
    writeFileSync(scratch.path('second/base.raw'), new Uint8Array(M).fill(0x02));
    qemuCreate(scratch.path('first/image.qed'), { size: M, backing: { name: 'base.raw', format: 'raw' } });
    copyFileSync(scratch.path('first/image.qed'), scratch.path('second/image.qed'));
    const bytes = expectReadsAsQemu(scratch.path('second/image.qed'));
    expect(bytes.every((byte) => byte === 0x02)).toBe(true);
  });
});
