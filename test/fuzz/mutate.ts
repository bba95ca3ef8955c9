/** Mutations of QED images aimed at the header, the L1 table and the L2 tables. */
import { HEADER_OFFSET } from '../../src/qed/constants.ts';

/** A source of random numbers in [0, 1). */
export type Random = () => number;

/** Values that tend to break arithmetic: zero, ones, powers of two and their neighbours, huge. */
const INTERESTING_U64 = [0n, 1n, 2n, 511n, 512n, 4095n, 4096n, 65535n, 65536n, 65537n, 1n << 31n, (1n << 32n) - 1n, 1n << 32n, 1n << 53n, (1n << 53n) - 1n, (1n << 63n), (1n << 64n) - 1n];

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** Returns a mutated copy of `image` and a short description of what changed. */
export function mutate(image: Uint8Array, random: Random): { bytes: Uint8Array; what: string } {
  let bytes = image.slice();
  const view = new DataView(bytes.buffer);
  const l1Offset = Number(view.getBigUint64(HEADER_OFFSET.l1TableOffset, true));
  const clusterSize = view.getUint32(HEADER_OFFSET.clusterSize, true);
  const strategies = [
    (): string => {
      const field = pick(random, Object.entries(HEADER_OFFSET).filter(([name]) => name !== 'magic'));
      const wide = field[1] >= 16 && field[1] < 56;
      const value = pick(random, INTERESTING_U64) + BigInt(Math.floor(random() * 3)) - 1n;
      if (wide) view.setBigUint64(field[1], BigInt.asUintN(64, value), true);
      else view.setUint32(field[1], Number(BigInt.asUintN(32, value)), true);
      return `header ${field[0]} = ${value}`;
    },
    (): string => {
      const at = Math.floor(random() * 64);
      bytes[at]! ^= 1 << Math.floor(random() * 8);
      return `header bit flip at ${at}`;
    },
    (): string => {
      const index = Math.floor(random() * 64);
      const at = l1Offset + index * 8;
      if (at + 8 > bytes.byteLength) return 'no-op';
      view.setBigUint64(at, BigInt.asUintN(64, pick(random, INTERESTING_U64) + BigInt(Math.floor(random() * bytes.byteLength))), true);
      return `L1[${index}] changed`;
    },
    (): string => {
      const l2 = Number(view.getBigUint64(l1Offset, true));
      if (l2 === 0 || l2 + 512 > bytes.byteLength) return 'no-op';
      const index = Math.floor(random() * 64);
      const choices = [BigInt(Math.floor(random() * bytes.byteLength)), BigInt(clusterSize * Math.floor(random() * (bytes.byteLength / clusterSize + 4))), pick(random, INTERESTING_U64)];
      view.setBigUint64(l2 + index * 8, BigInt.asUintN(64, pick(random, choices)), true);
      return `L2[0][${index}] changed`;
    },
    (): string => {
      const length = Math.floor(random() * bytes.byteLength);
      bytes = bytes.slice(0, length);
      return `truncated to ${length}`;
    },
    (): string => {
      const extra = Math.floor(random() * 3 * clusterSize);
      const grown = new Uint8Array(bytes.byteLength + extra);
      grown.set(bytes);
      bytes = grown;
      return `extended by ${extra}`;
    },
    (): string => {
      const at = Math.floor(random() * bytes.byteLength);
      bytes[at] = Math.floor(random() * 256);
      return `random byte at ${at}`;
    },
  ];
  const count = 1 + Math.floor(random() * 3);
  const what: string[] = [];
  for (let i = 0; i < count; i++) what.push(pick(random, strategies)());
  return { bytes, what: what.join('; ') };
}
