import { describe, expect, it } from 'vitest';
import { fuzz } from './fuzzer.ts';
import { qediskSeeds, qemuSeeds } from './seeds.ts';

describe('fuzzed images', () => {
  it('either open and behave or fail with a typed QedError, each request within its growth and work bounds (quick run)', { timeout: 600_000 }, () => {
    const totals = fuzz([...qemuSeeds(), ...qediskSeeds()], 1500, 1);
    console.log(`fuzz: ${totals.cases} cases, ${totals.opened} opened, ${totals.rejected} rejected, slowest ${totals.slowestMs.toFixed(0)} ms`);
    expect(totals.cases).toBe(1500);
    expect(totals.opened).toBeGreaterThan(100);
    expect(totals.rejected).toBeGreaterThan(100);
  });
});
