/** Runs many fuzz cases over the seed images and tallies the outcomes. */
import { seededFloats } from '../support/mulberry32.ts';
import { runCase } from './fuzz-case.ts';
import { mutate } from './mutate.ts';
import type { SeedImage } from './seeds.ts';

/** Totals of a fuzz run. */
export interface FuzzTotals {
  cases: number;
  opened: number;
  rejected: number;
  /** Slowest case, in milliseconds (reported, not asserted). */
  slowestMs: number;
}

/** Runs `count` cases from `seed`; throws with the case's seed and mutation on the first bug. */
export function fuzz(seeds: SeedImage[], count: number, seed: number): FuzzTotals {
  const totals: FuzzTotals = { cases: 0, opened: 0, rejected: 0, slowestMs: 0 };
  for (let i = 0; i < count; i++) {
    const caseSeed = seed * 1_000_003 + i;
    const random = seededFloats(caseSeed);
    const source = seeds[i % seeds.length]!;
    const { bytes, what } = mutate(source.bytes, random);
    const start = performance.now();
    try {
      const outcome = runCase(bytes, random);
      totals[outcome]++;
    } catch (error) {
      throw new Error(`fuzz case ${caseSeed} (${source.name}: ${what}) failed with ${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error)}`);
    }
    totals.slowestMs = Math.max(totals.slowestMs, performance.now() - start);
    totals.cases++;
  }
  return totals;
}
