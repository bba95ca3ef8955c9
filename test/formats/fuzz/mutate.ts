/** Mutations of foreign-format images aimed at their headers and tables, in the style of `test/fuzz/mutate.ts`. */
import { crc32c } from '../../../src/formats/codec/crc32c.ts';
import type { Region, Seed } from './seeds.ts';

/** A source of random numbers in [0, 1). */
export type Random = () => number;

/** Values that tend to break arithmetic: zero, ones, powers of two and their neighbours, huge. */
const INTERESTING = [0n, 1n, 2n, 7n, 8n, 9n, 0x1ffn, 0x200n, 0x201n, 0xfffn, 0x1000n, 0xffffn, 0x10000n, 0x10001n, 0x100000n, 0x7fffffffn, 0x80000000n, 0xfffffffen, 0xffffffffn, 1n << 32n, 1n << 53n, (1n << 53n) - 1n, 1n << 62n, 1n << 63n, (1n << 64n) - 1n];

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** Writes `value` as a `width`-byte integer at `at` in `region`'s byte order (clipped to the image). */
function writeInteger(bytes: Uint8Array, at: number, width: number, value: bigint, endian: Region['endian']): void {
  for (let i = 0; i < width && at + i < bytes.byteLength; i++) {
    const byte = Number((value >> BigInt(8 * i)) & 0xffn);
    bytes[endian === 'little' ? at + i : at + width - 1 - i] = byte;
  }
}

/** Recomputes a structure's CRC-32C (VHDX), so the mutation behind it reaches the parser. */
function fixChecksum(bytes: Uint8Array, region: Region): void {
  const crc = region.crc;
  if (!crc || crc.start + crc.length > bytes.byteLength) return;
  writeInteger(bytes, crc.at, 4, BigInt(crc32c(bytes.subarray(crc.start, crc.start + crc.length), crc.at - crc.start)), 'little');
}

/** Returns a mutated copy of `seed`'s bytes and a short description of what changed. */
export function mutateSeed(seed: Seed, random: Random): { bytes: Uint8Array; what: string } {
  let bytes = seed.bytes.slice();
  const strategies = [
    (): string => {
      const region = pick(random, seed.regions);
      const width = pick(random, [2, 4, 8]);
      const at = region.start + Math.floor((random() * (region.end - region.start)) / width) * width;
      const value = BigInt.asUintN(64, pick(random, INTERESTING) + BigInt(Math.floor(random() * 3)) - 1n);
      writeInteger(bytes, at, width, value, region.endian);
      if (random() < 0.8) fixChecksum(bytes, region);
      return `u${width * 8} at ${at} = ${value}`;
    },
    (): string => {
      const region = pick(random, seed.regions);
      const at = region.start + Math.floor(random() * (region.end - region.start));
      if (at >= bytes.byteLength) return 'no-op';
      bytes[at]! ^= 1 << Math.floor(random() * 8);
      if (random() < 0.8) fixChecksum(bytes, region);
      return `bit flip at ${at}`;
    },
    (): string => {
      const at = Math.floor(random() * bytes.byteLength);
      bytes[at] = Math.floor(random() * 256);
      return `random byte at ${at}`;
    },
    (): string => {
      const length = random() < 0.5 ? Math.floor(random() * bytes.byteLength) : bytes.byteLength - Math.floor(random() * 4096);
      bytes = bytes.slice(0, Math.max(0, length));
      return `truncated to ${length}`;
    },
    (): string => {
      const extra = Math.floor(random() * 256 * 1024);
      const grown = new Uint8Array(bytes.byteLength + extra);
      grown.set(bytes);
      bytes = grown;
      return `extended by ${extra}`;
    },
  ];
  const count = 1 + Math.floor(random() * 3);
  const what: string[] = [];
  for (let i = 0; i < count; i++) what.push(pick(random, strategies)());
  return { bytes, what: what.join('; ') };
}
