/**
 * The seeded generator the tests share (mulberry32): the same seed gives the same sequence in
 * Node and in the browser harnesses, so every random workload can be replayed from its seed.
 */

/** The next-value function of a mulberry32 stream: unsigned 32-bit integers. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Floats in [0, 1) from a mulberry32 stream seeded with `seed`. */
export function seededFloats(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}
