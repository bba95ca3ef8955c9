/**
 * Header edge cases on QEMU-made files: the need-check bit left by a crash, unknown feature
 * bits of each kind, and malformed header fields. QEMU's own reaction is checked alongside, so
 * each test shows both programs agree.
 */
import { copyFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QedError, QedFormatError } from '../../src/node.ts';
import { openError } from './open-helpers.ts';
import { type PokedHeader, patchHeader, readHeader, setL2Entry } from './poke.ts';
import { qemuCheck, qemuCreate, qemuIo } from './qemu.ts';
import { fileBytes, firstDifference, makeScratch, openQed } from './scratch.ts';

const NEED_CHECK = 0x2n;
const scratch = makeScratch('header');
afterAll(() => scratch.remove());

let copies = 0;
/** A fresh copy of `source` in the scratch directory. */
function copyOf(source: string): string {
  const path = scratch.path(`copy-${copies++}.qed`);
  copyFileSync(source, path);
  return path;
}

describe('an image whose writer crashed (qemu-io write, then abort)', () => {
  const crashed = scratch.path('crashed.qed');
  beforeAll(() => {
    qemuCreate(crashed, { size: 16 * 1024 * 1024 });
    expect(qemuIo(crashed, ['write -q -P 0xab 0 64k', 'abort'], { allowed: [134] }).status).toBe(134);
  });

  it('has the need-check bit set on disk, which a read-only qemu-img check keeps', () => {
    const path = copyOf(crashed);
    expect(readHeader(path).features & NEED_CHECK).toBe(NEED_CHECK);
    qemuCheck(path);
    expect(readHeader(path).features & NEED_CHECK).toBe(NEED_CHECK);
  });

  it('opens read-only with needsCheck reported, the data readable and the file untouched', () => {
    const path = copyOf(crashed);
    const before = fileBytes(path);
    const image = openQed(path, true);
    try {
      expect(image.info().needsCheck).toBe(true);
      expect(image.read(0, 65536).every((byte) => byte === 0xab)).toBe(true);
    } finally {
      image.close();
    }
    expect(firstDifference(fileBytes(path), before)).toBeNull();
  });

  it('is checked, repaired and marked clean by a read-write open', () => {
    const path = copyOf(crashed);
    const image = openQed(path, false);
    try {
      expect(image.info().needsCheck).toBe(false);
      expect(readHeader(path).features & NEED_CHECK).toBe(0n);
    } finally {
      image.close();
    }
    expect(qemuCheck(path).status).toBe(0);
    qemuIo(path, ['read -q -P 0xab 0 64k'], { readOnly: true });
  });
});

describe('the need-check bit over damaged metadata', () => {
  const dirty = scratch.path('dirty.qed');
  beforeAll(() => {
    qemuCreate(dirty, { size: 8 * 1024 * 1024 });
    qemuIo(dirty, ['write -q -P 0xab 0 128k']);
    patchHeader(dirty, { features: NEED_CHECK });
  });

  it('repairs an invalid entry on a read-write open exactly as QEMU does on its own open', () => {
    const ours = copyOf(dirty);
    setL2Entry(ours, 0, 5, 0x1000000);
    const theirs = copyOf(ours);
    openQed(ours, false).close();
    qemuIo(theirs, ['read -q -P 0xab 0 128k']);
    expect(qemuCheck(ours)).toEqual(qemuCheck(theirs));
    expect(qemuCheck(ours).status).toBe(0);
    expect(readHeader(ours).features & NEED_CHECK).toBe(0n);
    expect(firstDifference(fileBytes(ours), fileBytes(theirs))).toBeNull();
  });

  it('keeps the bit set while an unfixable duplicate remains (QEMU clears it on close regardless)', () => {
    const path = copyOf(dirty);
    setL2Entry(path, 0, 5, 0x50000);
    const image = openQed(path, false);
    image.close();
    expect(readHeader(path).features & NEED_CHECK).toBe(NEED_CHECK);
    expect(qemuCheck(path)).toMatchObject({ status: 2, corruptions: 1 });
  });
});

describe('feature bits qedisk does not know, on a QEMU-made image', () => {
  const clean = scratch.path('clean.qed');
  beforeAll(() => {
    qemuCreate(clean, { size: 8 * 1024 * 1024 });
    qemuIo(clean, ['write -q -P 0x5a 0 64k']);
  });

  it('keeps an unknown auto-clear bit on a read-only open, as QEMU does', () => {
    const path = copyOf(clean);
    patchHeader(path, { autoclearFeatures: 0x20n });
    const before = fileBytes(path);
    const image = openQed(path, true);
    try {
      expect(image.info().autoclearFeatures).toBe(0x20);
    } finally {
      image.close();
    }
    expect(firstDifference(fileBytes(path), before)).toBeNull();
    qemuIo(path, ['read -q -P 0x5a 0 64k'], { readOnly: true });
    expect(readHeader(path).autoclearFeatures).toBe(0x20n);
  });

  it('clears an unknown auto-clear bit on a read-write open, as QEMU does', () => {
    const ours = copyOf(clean);
    patchHeader(ours, { autoclearFeatures: 0x20n });
    const theirs = copyOf(ours);
    const image = openQed(ours, false);
    try {
      expect(readHeader(ours).autoclearFeatures).toBe(0n);
    } finally {
      image.close();
    }
    qemuIo(theirs, ['read -q -P 0x5a 0 64k']);
    expect(readHeader(theirs).autoclearFeatures).toBe(0n);
    expect(firstDifference(fileBytes(ours), fileBytes(theirs))).toBeNull();
  });

  it('keeps an unknown compatible bit through writes, and QEMU still opens the result', () => {
    const path = copyOf(clean);
    patchHeader(path, { compatFeatures: 0x10n });
    const image = openQed(path, false);
    try {
      image.write(1024 * 1024, new Uint8Array(4096).fill(0x77));
    } finally {
      image.close();
    }
    expect(readHeader(path).compatFeatures).toBe(0x10n);
    expect(qemuCheck(path).status).toBe(0);
    qemuIo(path, ['read -q -P 0x77 1M 4k', 'read -q -P 0x5a 0 64k'], { readOnly: true });
  });
});

/** Header fields that make both QEMU and qedisk refuse the image, and the error qedisk throws. */
const REFUSED: ReadonlyArray<readonly [name: string, changes: Partial<PokedHeader>, error: typeof QedError]> = [
  ['an unknown incompatible feature bit (0x8)', { features: 0x8n }, QedFormatError],
  ['an image size that is not a multiple of 512 (1000)', { imageSize: 1000n }, QedFormatError],
  ['an image size above the maximum for the geometry', { imageSize: 64n * 2n ** 40n + 512n }, QedFormatError],
  ['a misaligned L1 table offset (0x10200)', { l1TableOffset: 0x10200n }, QedError],
  ['an L1 table offset inside the header (0)', { l1TableOffset: 0n }, QedError],
  ['an L1 table past the end of the file', { l1TableOffset: 0x1000000n }, QedError],
  ['a bad magic', { magic: 0x12345678 }, QedFormatError],
  ['a cluster size below 4K (2048)', { clusterSize: 2048 }, QedFormatError],
  ['a cluster size that is not a power of two', { clusterSize: 65536 + 4096 }, QedFormatError],
  ['a table size that is not a power of two (3)', { tableSize: 3 }, QedFormatError],
  ['a table size above 16 (32)', { tableSize: 32 }, QedFormatError],
  ['a backing name that does not fit in the header area', { features: 0x1n, backingFilenameOffset: 65500, backingFilenameSize: 100 }, QedFormatError],
];

describe('malformed headers on a QEMU-made image', () => {
  const clean = scratch.path('plain.qed');
  beforeAll(() => qemuCreate(clean, { size: 8 * 1024 * 1024 }));

  REFUSED.forEach(([name, changes, errorClass]) => {
    it(`refuses ${name}, read-only and read-write, as QEMU does`, () => {
      const path = copyOf(clean);
      patchHeader(path, changes);
      const before = fileBytes(path);
      expect(qemuIo(path, ['read -q 0 4k'], { readOnly: true, allowed: [0, 1] }).status).toBe(1);
      for (const readOnly of [true, false]) {
        const error = openError(path, readOnly);
        expect(error).toBeInstanceOf(errorClass);
        if (errorClass !== QedError) expect(error).toHaveProperty('name', errorClass.name);
      }
      expect(firstDifference(fileBytes(path), before)).toBeNull();
    });
  });
});
