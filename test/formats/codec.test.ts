import { deflateSync, zlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { crc32c } from '../../src/formats/codec/crc32c.ts';
import { adler32, inflateRawInto, inflateZlibInto } from '../../src/formats/codec/inflate.ts';
import { MAX_WINDOW_BYTES, scanZstdFrame, zstdDecompressInto } from '../../src/formats/codec/zstd.ts';
import { ImageCorruptionError, ImageEncryptedError, ImageUnsupportedError, probeImageFormat } from '../../src/formats/index.ts';
import { LruCache } from '../../src/formats/lru-cache.ts';
import { vhdChecksum } from '../../src/formats/vhd/footer.ts';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A zstd frame: single segment with a 1- or 2-byte content size, then the given blocks (header byte values: last, type, size). */
function zstdFrame(contentSize: number, blocks: Array<{ type: number; size: number; body: number[]; last?: boolean }>, descriptorOverride?: number[]): Uint8Array {
  const bytes: number[] = [0x28, 0xb5, 0x2f, 0xfd];
  if (descriptorOverride) bytes.push(...descriptorOverride);
  else if (contentSize < 256) bytes.push(0x20, contentSize);
  else bytes.push(0x60, (contentSize - 256) & 0xff, (contentSize - 256) >> 8);
  blocks.forEach((block, index) => {
    const header = ((block.last ?? index === blocks.length - 1) ? 1 : 0) | (block.type << 1) | (block.size << 3);
    bytes.push(header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, ...block.body);
  });
  return Uint8Array.from(bytes);
}

describe('checksums', () => {
  it('computes CRC-32C, Adler-32 and the VHD checksum of known inputs', () => {
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
    expect(crc32c(ascii('12345\x00\x00\x00\x009'), 5)).toBe(crc32c(ascii('12345\x00\x00\x00\x009')));
    expect(adler32(ascii('Wikipedia'))).toBe(0x11e60398);
    expect(vhdChecksum(Uint8Array.of(1, 2, 0xff, 0xff, 0xff, 0xff, 3), 2)).toBe(~6 >>> 0);
  });
});

describe('inflateRawInto', () => {
  it('fills a cluster and stops feeding the decoder once it is full (a 16 MiB bomb costs one input piece)', () => {
    const bomb = deflateSync(new Uint8Array(16 * 1024 * 1024));
    const stats = { inputBytes: 0 };
    const out = new Uint8Array(65536).fill(1);
    expect(inflateRawInto(bomb, out, 'bomb', true, stats)).toBe(65536);
    expect(out.every((byte) => byte === 0)).toBe(true);
    expect(bomb.byteLength).toBeGreaterThan(8 * 1024);
    expect(stats.inputBytes).toBeLessThanOrEqual(8 * 1024);
  });

  it('refuses a stream that ends before the cluster is full, and garbage', () => {
    expect(() => inflateRawInto(deflateSync(new Uint8Array(1000).fill(7)), new Uint8Array(4096), 'short')).toThrow(ImageCorruptionError);
    expect(() => inflateRawInto(Uint8Array.of(0xff, 0xff, 0xff, 0xff), new Uint8Array(4096), 'garbage')).toThrow(ImageCorruptionError);
    const cut = deflateSync(new Uint8Array(4096).map((_, i) => (i * 31) & 0xff));
    expect(() => inflateRawInto(cut.subarray(0, 20), new Uint8Array(4096), 'cut')).toThrow(ImageCorruptionError);
  });

  it('ignores what follows a complete stream (the rest of the last sector)', () => {
    const data = new Uint8Array(4096).map((_, i) => i & 0xff);
    const padded = new Uint8Array(deflateSync(data).byteLength + 300).fill(0xee);
    padded.set(deflateSync(data));
    const out = new Uint8Array(4096);
    inflateRawInto(padded, out, 'padded');
    expect(Buffer.compare(out, data)).toBe(0);
  });
});

describe('inflateZlibInto', () => {
  const data = new Uint8Array(8192).map((_, i) => (i * 7) & 0xff);
  it('decodes a grain and checks its Adler-32', () => {
    const out = new Uint8Array(65536);
    expect(inflateZlibInto(zlibSync(data), out, 'grain')).toBe(8192);
    const damaged = zlibSync(data);
    damaged[damaged.byteLength - 1]! ^= 1;
    expect(() => inflateZlibInto(damaged, out, 'grain')).toThrow(/checksum/);
  });

  it('refuses a grain that inflates past its size, and non-zlib data', () => {
    expect(() => inflateZlibInto(zlibSync(data), new Uint8Array(4096), 'grain')).toThrow(/past 4096/);
    expect(() => inflateZlibInto(deflateSync(data), new Uint8Array(65536), 'grain')).toThrow(ImageCorruptionError);
  });
});

describe('zstd clusters', () => {
  it('decodes raw and RLE blocks into an exact cluster, ignoring bytes after the frame', () => {
    const frame = zstdFrame(64, [{ type: 0, size: 4, body: [1, 2, 3, 4] }, { type: 1, size: 60, body: [9] }]);
    const padded = new Uint8Array(frame.byteLength + 100).fill(0xab);
    padded.set(frame);
    expect(scanZstdFrame(padded, 'x')).toMatchObject({ frameBytes: frame.byteLength, contentSize: 64 });
    const out = new Uint8Array(64);
    zstdDecompressInto(padded, out, 'x');
    expect([...out.subarray(0, 6)]).toEqual([1, 2, 3, 4, 9, 9]);
  });

  it('refuses frames that would not fill exactly one cluster or would cost much', () => {
    const ok = (blocks: Parameters<typeof zstdFrame>[1], size = 64): Uint8Array => zstdFrame(size, blocks);
    expect(() => zstdDecompressInto(ok([{ type: 1, size: 64, body: [1] }], 64), new Uint8Array(32), 'x')).toThrow(/declares 64 bytes/);
    const noSize = zstdFrame(0, [{ type: 1, size: 100, body: [1] }], [0x00, 0x00]);
    expect(() => zstdDecompressInto(noSize, new Uint8Array(64), 'x')).toThrow(/past 64/);
    expect(() => zstdDecompressInto(ok([{ type: 3, size: 1, body: [0] }]), new Uint8Array(64), 'x')).toThrow(/reserved type/);
    expect(() => scanZstdFrame(zstdFrame(0, [{ type: 1, size: 200000, body: [1] }], [0x00, 0x58]), 'x')).toThrow(/over the/);
    expect(() => scanZstdFrame(zstdFrame(0, [], [0x00, 0xf8]), 'x')).toThrow(ImageUnsupportedError);
    expect(MAX_WINDOW_BYTES).toBe(8 * 1024 * 1024);
    expect(() => scanZstdFrame(zstdFrame(0, [], [0x01, 0x00, 0x00]), 'x')).toThrow(/dictionary/);
    expect(() => scanZstdFrame(ok([{ type: 0, size: 40, body: [1, 2] }]), 'x')).toThrow(/truncated/);
  });
});

describe('probeImageFormat', () => {
  /** A fixed-VHD footer for a disk of `size` bytes with a correct checksum. */
  function fixedFooter(size: number): Uint8Array {
    const footer = Buffer.alloc(512);
    footer.write('conectix', 0, 'latin1');
    footer.writeBigUInt64BE(0xffffffffffffffffn, 16);
    footer.write('qem2', 28, 'latin1');
    footer.writeBigUInt64BE(BigInt(size), 40);
    footer.writeBigUInt64BE(BigInt(size), 48);
    footer.writeUInt32BE(2, 60);
    footer.writeUInt32BE(vhdChecksum(footer, 64), 64);
    return footer;
  }
  const withTail = (size: number, tail: Uint8Array): MemoryFile => {
    const bytes = new Uint8Array(size + tail.byteLength).fill(0x33);
    bytes.set(tail, size);
    return new MemoryFile(bytes);
  };

  it('finds every format by its magic', () => {
    const at = (offset: number, bytes: Uint8Array): MemoryFile => {
      const file = new Uint8Array(4096);
      file.set(bytes, offset);
      return new MemoryFile(file);
    };
    expect(probeImageFormat(at(0, ascii('QED\0')))).toBe('qed');
    expect(probeImageFormat(at(0, Uint8Array.of(0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 3)))).toBe('qcow2');
    expect(probeImageFormat(at(0, ascii('KDMV')))).toBe('vmdk');
    expect(probeImageFormat(at(0, ascii('# Disk DescriptorFile\nversion=1\n')))).toBe('vmdk');
    expect(probeImageFormat(at(0, ascii('# comment\n   \nversion=3\r\nCID=fffffffe\n')))).toBe('vmdk');
    expect(probeImageFormat(at(0, ascii('# Disk DescriptorFile\nnot a version line\n')))).toBe('raw');
    expect(probeImageFormat(at(0, ascii('#!/bin/sh\necho hello\n')))).toBe('raw');
    expect(probeImageFormat(at(0, ascii('conectix')))).toBe('vpc');
    expect(probeImageFormat(at(0, ascii('vhdxfile')))).toBe('vhdx');
    expect(probeImageFormat(at(64, Uint8Array.of(0x7f, 0x10, 0xda, 0xbe)))).toBe('vdi');
    expect(probeImageFormat(at(0, ascii('hello')))).toBe('raw');
    expect(probeImageFormat(new MemoryFile())).toBe('raw');
    expect(probeImageFormat(new MemoryFile(Uint8Array.of(0x51, 0x46)))).toBe('raw');
  });

  it('refuses formats QEMU knows and qedisk cannot read, instead of reading them as raw', () => {
    const at0 = (text: string): MemoryFile => {
      const file = new Uint8Array(4096);
      file.set(Uint8Array.from(text, (c) => c.charCodeAt(0)));
      return new MemoryFile(file);
    };
    expect(() => probeImageFormat(at0('LUKS\xba\xbe\0\x01'))).toThrow(ImageEncryptedError);
    expect(() => probeImageFormat(at0('WithoutFreeSpace\x02\0\0\0'))).toThrow(/Parallels/);
    expect(() => probeImageFormat(at0('Bochs Virtual HD Image\0'))).toThrow(/Bochs/);
    expect(() => probeImageFormat(at0('COWD'))).toThrow(ImageUnsupportedError);
    expect(probeImageFormat(at0('WithoutFreeSpace\x07\0\0\0'))).toBe('raw');
  });

  it('takes a raw disk for a fixed VHD only when a checksummed footer describes exactly the bytes before it', () => {
    expect(probeImageFormat(withTail(65536, fixedFooter(65536)))).toBe('vpc');
    expect(probeImageFormat(withTail(65536, fixedFooter(65536)), { fixedVhd: false })).toBe('raw');
    expect(probeImageFormat(withTail(65536, fixedFooter(65536 + 512)))).toBe('raw');
    const badSum = fixedFooter(65536);
    badSum[70]! ^= 1;
    expect(probeImageFormat(withTail(65536, badSum))).toBe('raw');
    const dynamic = Buffer.from(fixedFooter(65536));
    dynamic.writeUInt32BE(3, 60);
    dynamic.writeUInt32BE(vhdChecksum(dynamic, 64), 64);
    expect(probeImageFormat(withTail(65536, dynamic))).toBe('raw');
  });
});

describe('LruCache', () => {
  it('keeps the most recently used entries within its budget', () => {
    const cache = new LruCache<string>(10);
    cache.set(1, 'a', 4);
    cache.set(2, 'b', 4);
    expect(cache.get(1)).toBe('a');
    cache.set(3, 'c', 4);
    expect(cache.get(2)).toBeUndefined();
    expect(cache.get(1)).toBe('a');
    cache.set(4, 'huge', 100);
    expect(cache.get(4)).toBe('huge');
    expect(cache.usedBytes).toBe(100);
  });
});
