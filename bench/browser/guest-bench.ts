/**
 * The guest benchmark (issue 6, item 3): the demo's Linux guest in v86 in headless Chromium, on a
 * qedisk disk in OPFS (through the worker) against the same guest on a QED image in memory in the
 * page (`localDisk`), side by side in one run:
 * - page load to the guest's shell prompt with the disk mounted, cold boot (each boot formats a
 *   new disk; it also saves the state at the snapshot point, on both sides);
 * - the same from the saved state (new disks, formatted after the restore);
 * - from the saved state on the qedisk disk the cold boot formatted (the usual later start),
 *   against the goal of 10 s;
 * - the guest's own `dd` write (`conv=fsync`) and read (page cache dropped) of a 16 MiB file.
 *
 * `npm run bench:guest [-- --json] [-- --quick]`; `guestLines()` is what `npm run bench` wires in.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext } from '@playwright/test';
import { DD_FILE_MIB } from './guest-dd.ts';
import { repoRoot, startGuestBenchHost } from './guest-server.ts';
import { type BenchDiskKind, type DdRound, type StartSpec, endSession, measureDd, startGuest, warmUp } from './guest-session.ts';
import { formatGuestTable } from './guest-table.ts';

/** One line of the table, shaped like `bench/measure.ts`'s `BenchLine` (higher ratio is better). */
export interface GuestBenchLine {
  /** What was measured. */
  name: string;
  /** Unit of `qedisk` and `baseline`: `s` (lower is better) or `MB/s` (higher is better). */
  unit: string;
  /** qedisk's figure (the best of its runs). */
  qedisk: number;
  /** The baseline's figure, measured in the same run (or the goal itself). */
  baseline: number;
  /** What the baseline is. */
  baselineName: string;
  /** Higher is better: baseline / qedisk for times, qedisk / baseline for rates. */
  ratio: number;
  /** Goal for the ratio. */
  goal: number;
}

/** Options of `guestLines`. */
export interface GuestBenchOptions {
  /** Cold boots per side (the best counts); default 2. */
  coldRepeats?: number;
  /** Measured dd rounds per side (the best counts), after the first cold boot and one unmeasured round; default 2. */
  ddRounds?: number;
  /** Starts from the saved state per side and kind (the best counts); default 2. */
  savedRepeats?: number;
  /** Progress messages (default: none). */
  log?: (message: string) => void;
}

/** Every figure behind the lines, for `--json`. Times in seconds since navigation started. */
export interface GuestSamples {
  cold: Record<BenchDiskKind, number[]>;
  /** Seconds the disk spent on the guest's requests during each cold boot (same order as `cold`). */
  coldDiskBusy: Record<BenchDiskKind, number[]>;
  savedNewDisk: Record<BenchDiskKind, number[]>;
  savedFormattedDisk: number[];
  dd: Record<BenchDiskKind, DdRound[]>;
}

/** Disk size of every run, in MiB. */
export const GUEST_DISK_MIB = 64;
/** Issue 6: boot on qedisk against an in-memory disk at most 1.1 (as a ratio, higher is better). */
const BOOT_RATIO_GOAL = 1 / 1.1;
/** Issue 6: the shell with the disk mounted within 10 s of page load, from a saved state. */
const SAVED_START_GOAL_S = 10;
/** Our goal for the guest's dd throughput on qedisk against memory (the issue sets none). */
const DD_RATIO_GOAL = 0.9;
const COLD_TIMEOUT_MS = 240_000;
const SAVED_TIMEOUT_MS = 90_000;
const DD_TIMEOUT_MS = 180_000;
const SIDES: readonly BenchDiskKind[] = ['memory', 'opfs'];
/** The sides in round `i`: memory first in even rounds, qedisk first in odd ones, so drift hits both alike. */
const sidesInTurn = (i: number): readonly BenchDiskKind[] => (i % 2 === 0 ? SIDES : [...SIDES].reverse());
const MEMORY_NAME = 'in-memory QED image in the page (localDisk)';

/**
 * The best of several runs: on a shared machine other work only ever adds time, so the shortest
 * time (highest rate) is the figure least disturbed by it; the spread shows in the log.
 */
const fastest = (seconds: readonly number[]): number => Math.min(...seconds);
const highest = (rates: readonly number[]): number => Math.max(...rates);

function timeLine(name: string, qedisk: number, baseline: number, baselineName: string, goal: number): GuestBenchLine {
  return { name, unit: 's', qedisk, baseline, baselineName, ratio: baseline / qedisk, goal };
}

function rateLine(name: string, qedisk: number, baseline: number): GuestBenchLine {
  return { name, unit: 'MB/s', qedisk, baseline, baselineName: MEMORY_NAME, ratio: qedisk / baseline, goal: DD_RATIO_GOAL };
}

const rate = (round: DdRound, phase: 'write' | 'read'): number => round.bytes / 1e6 / (phase === 'write' ? round.writeSeconds : round.readSeconds);

function describeDd(round: DdRound): string {
  return `dd write ${rate(round, 'write').toFixed(1)} MB/s (disk busy ${round.writeDiskSeconds.toFixed(2)} of ${round.writeSeconds.toFixed(2)} s), read ${rate(round, 'read').toFixed(1)} MB/s (disk busy ${round.readDiskSeconds.toFixed(2)} of ${round.readSeconds.toFixed(2)} s)`;
}

/**
 * Boots one guest, checks how it started, runs `ddRounds` dd rounds after an unmeasured one (the
 * first round runs kernel code v86 has not compiled yet: it took 2-4 times as long here on both
 * sides), and ends the session.
 */
async function measureStart(context: BrowserContext, baseUrl: string, spec: StartSpec, ddRounds: number, log: (m: string) => void): Promise<{ shell: number; diskBusy: number; dd: DdRound[] }> {
  const expected = spec.start === 'cold' ? 'cold' : 'saved-state';
  const session = await startGuest(context, baseUrl, spec, spec.start === 'cold' ? COLD_TIMEOUT_MS : SAVED_TIMEOUT_MS);
  try {
    if (session.figures.startedFrom !== expected) {
      throw new Error(`${spec.disk} ${spec.name}: started ${session.figures.startedFrom}, expected ${expected} (${session.figures.notes.join('; ')})`);
    }
    const { shell, diskOpen, diskBusy } = session.figures;
    log(`  ${spec.disk.padEnd(6)} ${expected.padEnd(11)} ${spec.name}: shell ${shell.toFixed(1)} s after page load (disk open at ${diskOpen.toFixed(2)} s, busy ${diskBusy.toFixed(2)} s)`);
    const dd: DdRound[] = [];
    if (ddRounds > 0) log(`    warm-up: ${describeDd(await measureDd(session, DD_TIMEOUT_MS))}`);
    for (let i = 0; i < ddRounds; i++) {
      dd.push(await measureDd(session, DD_TIMEOUT_MS));
      log(`    ${describeDd(dd[dd.length - 1] as DdRound)}`);
    }
    return { shell, diskBusy, dd };
  } finally {
    await endSession(session);
  }
}

/** Runs the guest benchmark (3-5 minutes here with the defaults) and returns every figure. */
export async function guestSamples(options: GuestBenchOptions = {}): Promise<GuestSamples> {
  const coldRepeats = Math.max(1, options.coldRepeats ?? 2);
  const ddRounds = Math.max(1, options.ddRounds ?? 2);
  const savedRepeats = Math.max(1, options.savedRepeats ?? 2);
  const log = options.log ?? (() => undefined);
  execFileSync(process.execPath, [join(repoRoot, 'scripts', 'ensure-guest-assets.mjs'), '--strict'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const samples: GuestSamples = { cold: { memory: [], opfs: [] }, coldDiskBusy: { memory: [], opfs: [] }, savedNewDisk: { memory: [], opfs: [] }, savedFormattedDisk: [], dd: { memory: [], opfs: [] } };
  const host = await startGuestBenchHost();
  try {
    const context = await host.browser.newContext();
    await warmUp(context, host.baseUrl, 60_000);
    const size = GUEST_DISK_MIB;
    log(`cold boots (each formats a new ${size} MiB disk and saves the state); dd after the first one per side:`);
    for (let i = 0; i < coldRepeats; i++) {
      for (const disk of sidesInTurn(i)) {
        const result = await measureStart(context, host.baseUrl, { disk, name: `cold-${i}`, sizeMiB: size, start: 'cold' }, i === 0 ? ddRounds : 0, log);
        samples.cold[disk].push(result.shell);
        samples.coldDiskBusy[disk].push(result.diskBusy);
        samples.dd[disk].push(...result.dd);
      }
    }
    log(`starts from the saved state (${savedRepeats} per side on new disks, and on the qedisk disk formatted by a cold boot):`);
    for (let i = 0; i < savedRepeats; i++) {
      for (const disk of sidesInTurn(i)) {
        samples.savedNewDisk[disk].push((await measureStart(context, host.baseUrl, { disk, name: `saved-${i}`, sizeMiB: size, start: 'auto' }, 0, log)).shell);
      }
      samples.savedFormattedDisk.push((await measureStart(context, host.baseUrl, { disk: 'opfs', name: 'cold-0', sizeMiB: size, start: 'auto' }, 0, log)).shell);
    }
    await context.close();
    return samples;
  } finally {
    await host.close();
  }
}

/** The table's lines from `samples` (the best run of each kind). */
export function linesOf(samples: GuestSamples): GuestBenchLine[] {
  const ddRate = (disk: BenchDiskKind, phase: 'write' | 'read'): number => highest(samples.dd[disk].map((round) => rate(round, phase)));
  const cold = fastest(samples.cold.opfs);
  const saved = fastest(samples.savedFormattedDisk);
  return [
    timeLine('guest: page load to shell, cold boot', cold, fastest(samples.cold.memory), MEMORY_NAME, BOOT_RATIO_GOAL),
    timeLine('guest: page load to shell, saved state, new disk', fastest(samples.savedNewDisk.opfs), fastest(samples.savedNewDisk.memory), MEMORY_NAME, BOOT_RATIO_GOAL),
    timeLine('guest: page load to shell, saved state, formatted disk', saved, SAVED_START_GOAL_S, `goal: ${SAVED_START_GOAL_S} s`, 1),
    timeLine('guest: saved-state start against cold boot (qedisk)', saved, cold, 'cold boot on qedisk', 1),
    rateLine(`guest: dd write ${DD_FILE_MIB} MiB file, conv=fsync`, ddRate('opfs', 'write'), ddRate('memory', 'write')),
    rateLine(`guest: dd read ${DD_FILE_MIB} MiB file, caches dropped`, ddRate('opfs', 'read'), ddRate('memory', 'read')),
  ];
}

/** Runs the guest benchmark and returns its lines (what `npm run bench` shows). */
export async function guestLines(options: GuestBenchOptions = {}): Promise<GuestBenchLine[]> {
  return linesOf(await guestSamples(options));
}

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  const json = args.has('--json');
  const quick = args.has('--quick');
  const log = (message: string): void => void process.stderr.write(`${message}\n`);
  const started = performance.now();
  const samples = await guestSamples(quick ? { coldRepeats: 1, ddRounds: 1, savedRepeats: 1, log } : { log });
  const lines = linesOf(samples);
  const seconds = (performance.now() - started) / 1000;
  if (json) console.log(JSON.stringify({ diskMiB: GUEST_DISK_MIB, seconds, lines, samples }, null, 2));
  else {
    console.log(`qedisk guest benchmark: v86 Linux guest in headless Chromium, ${GUEST_DISK_MIB} MiB disks, best runs, ratio higher is better, ${seconds.toFixed(0)} s in all`);
    console.log(formatGuestTable(lines));
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
