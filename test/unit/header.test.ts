import { describe, expect, it } from 'vitest';
import {
  FEATURE_BACKING_FILE,
  QedCorruptionError,
  QedFormatError,
  decodeHeader,
  encodeHeader,
  maxImageSizeBytes,
  validateHeader,
  type QedHeader,
} from '../../src/qed/index.ts';

const KIB = 1024;

function header(overrides: Partial<QedHeader> = {}): QedHeader {
  return {
    clusterSize: 64 * KIB,
    tableSize: 4,
    headerSize: 1,
    features: 0n,
    compatFeatures: 0n,
    autoclearFeatures: 0n,
    l1TableOffset: 64 * KIB,
    imageSize: 1024 * 1024 * 1024,
    backingFilenameOffset: 0,
    backingFilenameSize: 0,
    ...overrides,
  };
}

/** File size of a fresh image with the default geometry: header cluster + 4-cluster L1. */
const FRESH_FILE_BYTES = 327_680;

describe('encodeHeader / decodeHeader', () => {
  it('writes the bytes qemu-img create writes for a 1 GiB image', () => {
    const bytes = encodeHeader(header());
    // xxd -l 64 a.qed from the QEMU interop demo
    const expected = '514544000000010004000000010000000000000000000000000000000000000000000000000000000000010000000000000000400000000000000000000000';
    expect(Buffer.from(bytes).toString('hex')).toBe(expected.padEnd(128, '0'));
  });

  it('round-trips every field', () => {
    const original = header({ features: 0x5n, compatFeatures: 0x10n, autoclearFeatures: 0x20n, backingFilenameOffset: 64, backingFilenameSize: 8 });
    expect(decodeHeader(encodeHeader(original))).toEqual(original);
  });

  it('rejects a bad magic', () => {
    const bytes = encodeHeader(header());
    bytes[0] = 0x51 ^ 0xff;
    expect(() => decodeHeader(bytes)).toThrow(QedFormatError);
  });

  it('rejects a truncated header with a format error', () => {
    expect(() => decodeHeader(encodeHeader(header()).subarray(0, 40))).toThrow(/shorter than the 64-byte header/);
  });

  it('refuses offsets beyond 2^53 in QEMU\'s order instead of losing precision', () => {
    const bytes = encodeHeader(header());
    const view = new DataView(bytes.buffer);
    view.setBigUint64(40, 1n << 60n, true);
    expect(() => validateHeader(decodeHeader(bytes), 327_680)).toThrow(QedCorruptionError);
    view.setBigUint64(48, 1n << 60n, true);
    expect(() => validateHeader(decodeHeader(bytes), 327_680)).toThrow(/image size Infinity is invalid/);
    view.setBigUint64(16, 0x8n, true);
    expect(() => validateHeader(decodeHeader(bytes), 327_680)).toThrow('Unsupported QED features: 8');
  });
});

describe('validateHeader', () => {
  it('accepts the default geometry and derives the L2 coverage', () => {
    const geometry = validateHeader(header(), FRESH_FILE_BYTES);
    expect(geometry.entriesPerTable).toBe(32768);
    expect(geometry.bytesPerL2Table).toBe(2 * 1024 * 1024 * 1024);
  });

  it('refuses unknown incompatible feature bits, naming them in hex', () => {
    expect(() => validateHeader(header({ features: 0x8n }), FRESH_FILE_BYTES)).toThrow('Unsupported QED features: 8');
  });

  it.each([2048, 3 * 4096, 128 * 1024 * 1024])('refuses cluster size %i', (clusterSize) => {
    expect(() => validateHeader(header({ clusterSize }), FRESH_FILE_BYTES)).toThrow(QedFormatError);
  });

  it.each([0, 3, 32])('refuses table size %i', (tableSize) => {
    expect(() => validateHeader(header({ tableSize }), FRESH_FILE_BYTES)).toThrow(QedFormatError);
  });

  it('refuses an image size that is not a multiple of 512', () => {
    expect(() => validateHeader(header({ imageSize: 1000 }), FRESH_FILE_BYTES)).toThrow(/image size 1000 is invalid/);
  });

  it('accepts a size equal to the maximum and refuses one sector more', () => {
    const max = Number(maxImageSizeBytes(64 * KIB, 4));
    expect(max).toBe(64 * 1024 ** 4);
    expect(() => validateHeader(header({ imageSize: max }), FRESH_FILE_BYTES)).not.toThrow();
    expect(() => validateHeader(header({ imageSize: max + 512 }), FRESH_FILE_BYTES)).toThrow(QedFormatError);
  });

  it('refuses a misaligned L1 table offset', () => {
    expect(() => validateHeader(header({ l1TableOffset: 0x10200 }), FRESH_FILE_BYTES)).toThrow(QedCorruptionError);
  });

  it('refuses an L1 table that runs past the end of the file', () => {
    expect(() => validateHeader(header(), FRESH_FILE_BYTES - 1)).toThrow(QedCorruptionError);
  });

  it('refuses an L1 table inside the header area', () => {
    expect(() => validateHeader(header({ headerSize: 2 }), FRESH_FILE_BYTES)).toThrow(QedCorruptionError);
  });

  it('refuses a backing name that leaves the header area', () => {
    const bad = header({ features: FEATURE_BACKING_FILE, backingFilenameOffset: 65530, backingFilenameSize: 10 });
    expect(() => validateHeader(bad, FRESH_FILE_BYTES)).toThrow('QED backing filename offset is invalid');
  });

  it('accepts one-cluster tables, which the spec allows and QEMU cannot open', () => {
    expect(() => validateHeader(header({ tableSize: 1, imageSize: 8 * 1024 * 1024 }), 2 * 64 * KIB)).not.toThrow();
  });
});

describe('maxImageSizeBytes', () => {
  it.each([
    [4096, 1, 1n << 30n],
    [4096, 16, 256n << 30n],
    [65536, 16, 1n << 50n],
    [1 << 20, 16, 4n << 60n],
    [2 << 20, 16, 0n],
    [64 << 20, 1, 0n],
  ])('for %i-byte clusters and table size %i is %i (wrapping like QEMU)', (clusterSize, tableSize, expected) => {
    expect(maxImageSizeBytes(clusterSize, tableSize)).toBe(expected);
  });
});
