/** Timing helpers for the benchmarks: run alternately, keep the median. */
import { execFileSync } from 'node:child_process';

/** One measured line of the table. */
export interface BenchLine {
  /** What was measured. */
  name: string;
  /** Unit of `qedisk` and `baseline` (higher is better). */
  unit: string;
  /** qedisk's median figure. */
  qedisk: number;
  /** The baseline's median figure, measured in the same run. */
  baseline: number;
  /** What the baseline is. */
  baselineName: string;
  /** qedisk / baseline: 1.0 means as fast. */
  ratio: number;
  /** Goal for the ratio. */
  goal: number;
}

/** Median of `values`. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Seconds taken by `action`. */
export function timeSeconds(action: () => void): number {
  const start = process.hrtime.bigint();
  action();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Runs a command, returning stdout; throws with stderr on failure. */
export function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

/** Drops the page cache when allowed (root), so file reads start cold on both sides equally. */
export function dropCaches(): void {
  try {
    execFileSync('sh', ['-c', 'sync; echo 1 > /proc/sys/vm/drop_caches'], { stdio: 'ignore' });
  } catch {
    // not root or not Linux: both sides run warm instead
  }
}

/**
 * Writes dirty pages back (`sync`), untimed, so a run does not pay for the write-back of the
 * one before it (the kernel throttles a writer once enough dirty data waits).
 */
export function settleWrites(): void {
  execFileSync('sync', [], { stdio: 'ignore' });
}

/**
 * Measures `qedisk` and `baseline` `repeats` times each, alternating so drift hits both, and
 * returns the medians (each function returns its own figure, higher is better).
 */
export function sideBySide(repeats: number, qedisk: () => number, baseline: () => number): { qedisk: number; baseline: number } {
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < repeats; i++) {
    theirs.push(baseline());
    ours.push(qedisk());
  }
  return { qedisk: median(ours), baseline: median(theirs) };
}
