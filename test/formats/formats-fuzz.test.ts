import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_METADATA_BYTES } from '../../src/formats/file-read.ts';
import { seededFloats } from '../support/mulberry32.ts';
import { scratch } from './fixtures.ts';
import { mutateSeed } from './fuzz/mutate.ts';
import { runFormatCase } from './fuzz/run-case.ts';
import { type Seed, buildSeeds } from './fuzz/seeds.ts';

/** Cases per seed image (`QEDISK_FORMAT_FUZZ_CASES` overrides it for long runs). */
const CASES_PER_SEED = Number(process.env['QEDISK_FORMAT_FUZZ_CASES'] ?? 150);
/**
 * Most bytes one case may ask of its file: a few maximal metadata reads (a table is refused
 * beyond `MAX_METADATA_BYTES`), plus the reads themselves (each at most 256 KiB of guest data,
 * which compressed clusters may double).
 */
const MAX_BYTES_PER_CASE = 4 * MAX_METADATA_BYTES + 16 * 1024 * 1024;

const work = scratch('formats-fuzz');
let seeds: Seed[] = [];

beforeAll(() => {
  seeds = buildSeeds(work);
});
afterAll(() => work.dispose());

describe('fuzzed images of every format', () => {
  it('open and read consistently, or fail with a typed QedError, with bounded reads', () => {
    let cases = 0;
    const perFormat = new Map<string, { cases: number; opened: number; rejected: number; typedErrors: number }>();
    const errors = new Map<string, number>();
    let largest = 0;
    let mostBytes = 0;
    for (const [index, seed] of seeds.entries()) {
      const random = seededFloats(1400 + index);
      const tally = perFormat.get(seed.format) ?? { cases: 0, opened: 0, rejected: 0, typedErrors: 0 };
      for (let i = 0; i < CASES_PER_SEED; i++) {
        const { bytes, what } = mutateSeed(seed, random);
        const format = random() < 0.8 ? seed.format : 'probe';
        let result;
        try {
          result = runFormatCase(bytes, format, random);
        } catch (error) {
          throw new Error(`${seed.name}, case ${i} (${what}, opened as ${format}): ${error instanceof Error ? error.stack : String(error)}`);
        }
        expect(result.counts.largestRequest, `${seed.name} case ${i}: ${what}`).toBeLessThanOrEqual(MAX_METADATA_BYTES);
        expect(result.counts.bytesRequested, `${seed.name} case ${i}: ${what}`).toBeLessThanOrEqual(MAX_BYTES_PER_CASE);
        largest = Math.max(largest, result.counts.largestRequest);
        mostBytes = Math.max(mostBytes, result.counts.bytesRequested);
        if (result.error) {
          errors.set(result.error, (errors.get(result.error) ?? 0) + 1);
          tally.typedErrors++;
        }
        tally.cases++;
        tally[result.outcome]++;
        cases++;
      }
      perFormat.set(seed.format, tally);
    }
    for (const [format, tally] of perFormat) {
      console.log(`format fuzz ${format}: ${tally.cases} cases, ${tally.opened} opened, ${tally.rejected} refused at open, ${tally.typedErrors} with a typed error`);
    }
    for (const [format, tally] of perFormat) {
      expect(tally.opened, format).toBeGreaterThan(tally.cases / 10);
      expect(tally.typedErrors, format).toBeGreaterThan(tally.cases / 10);
    }
    console.log(`format fuzz: ${cases} cases; typed errors ${JSON.stringify(Object.fromEntries(errors))}; largest single read ${largest} bytes, most bytes read by one case ${mostBytes}`);
    expect(cases).toBe(seeds.length * CASES_PER_SEED);
  }, 120_000 + CASES_PER_SEED * 1000);
});
