/** `npm run fuzz [-- CASES [SEED]]`: the long fuzz run (100,000 cases by default). */
import { fuzz } from './fuzzer.ts';
import { qediskSeeds, qemuSeeds } from './seeds.ts';

const count = Number(process.argv[2] ?? 100_000);
const seed = Number(process.argv[3] ?? Date.now() % 1_000_000);
const seeds = [...qemuSeeds(), ...qediskSeeds()];
const batch = 5000;
const started = performance.now();
const totals = { cases: 0, opened: 0, rejected: 0, slowestMs: 0 };
for (let done = 0; done < count; done += batch) {
  const part = fuzz(seeds, Math.min(batch, count - done), seed + done);
  totals.cases += part.cases;
  totals.opened += part.opened;
  totals.rejected += part.rejected;
  totals.slowestMs = Math.max(totals.slowestMs, part.slowestMs);
  console.log(`${totals.cases} cases (${totals.opened} opened, ${totals.rejected} rejected), slowest ${totals.slowestMs.toFixed(0)} ms, peak array buffers ${(process.memoryUsage().arrayBuffers / 1048576).toFixed(0)} MiB`);
}
console.log(`fuzz seed ${seed}: ${totals.cases} cases passed in ${((performance.now() - started) / 1000).toFixed(0)} s`);
