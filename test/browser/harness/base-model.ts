/**
 * The contents of the base images the base-* specs use, generated from a seed so the page and
 * the Node side agree without shipping the bytes. Pure (no DOM, no Node).
 */
import { patternBytes } from './model-ops.ts';

/** Cluster-sized runs of a base: every fifth one is all zeros (so flattening has zeros to skip). */
export const BASE_RUN_BYTES = 64 * 1024;

/**
 * A base image of `size` bytes (a multiple of 512): runs of `BASE_RUN_BYTES` of a pattern
 * derived from `seed` and the run's index, every fifth run all zeros.
 */
export function baseBytes(size: number, seed: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let start = 0, index = 0; start < size; start += BASE_RUN_BYTES, index++) {
    if (index % 5 === 3) continue;
    bytes.set(patternBytes(Math.min(BASE_RUN_BYTES, size - start), seed * 100_003 + index), start);
  }
  return bytes;
}
