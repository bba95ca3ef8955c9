/**
 * A small seeded pseudo-random generator (mulberry32), so every random workload can be replayed
 * from the seed printed in its test name.
 */
import { mulberry32 } from '../support/mulberry32.ts';

/** Deterministic random numbers from a 32-bit seed. */
export class Rng {
  readonly #next: () => number;

  /** Starts the sequence for `seed` (any integer; only the low 32 bits matter). */
  constructor(seed: number) {
    this.#next = mulberry32(seed);
  }

  /** The next 32-bit unsigned integer. */
  nextU32(): number {
    return this.#next();
  }

  /** A float in [0, 1). */
  float(): number {
    return this.nextU32() / 4294967296;
  }

  /** An integer in [min, max) (both safe integers, max > min). */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(0, items.length)];
    if (item === undefined) throw new Error('pick() needs a non-empty array');
    return item;
  }

  /** A new buffer of `length` random bytes. */
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    const words = Math.floor(length / 4);
    const view = new DataView(out.buffer);
    for (let i = 0; i < words; i++) view.setUint32(i * 4, this.nextU32(), true);
    for (let i = words * 4; i < length; i++) out[i] = this.nextU32() & 0xff;
    return out;
  }
}
