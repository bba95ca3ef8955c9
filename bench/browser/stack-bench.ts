/**
 * `npm run bench:stack [-- --json] [-- --quick] [-- --repeats=N] [-- --incognito] [-- --browsers=chromium,firefox]`:
 * the browser, through the whole stack, in Chromium and then Firefox in the same run (a section
 * each, then their ratios side by side). The browser (Playwright's library API) loads `stack-page/` from a Vite dev server started here, and sends
 * the same requests page → Comlink → worker → device to three devices side by side: qedisk on
 * OPFS (the product), a raw OPFS file behind the same worker API (the physical baseline) and QED
 * on a MemoryFile in the worker. Devices alternate within each line; figures are medians of
 * `repeats` runs. Then the worker's memory after random reads over a 1 TiB sparse disk.
 */
import { pathToFileURL } from 'node:url';
import type { Page } from '@playwright/test';
import { type BenchLine, median } from '../measure.ts';
import { type DeviceFigures, type StackLineSpec, figureOf, lineAgainstComlink, lineAgainstMemory, lineAgainstRaw, stackLineSpecs } from './stack-lines.ts';
import { type StackBrowser, type StackHost, startStackHost } from './stack-host.ts';
import { BENCH_DEVICES, type BenchDevice, type WorkerMemoryFigures } from './stack-protocol.ts';
import { printBrowserComparison, printStackReport } from './stack-table.ts';

const MIB = 1024 * 1024;
const TIB = 1024 * 1024 * MIB;
const PAGE_PATH = '/bench/browser/stack-page/index.html';

/** Figures of each run, by device. */
export type DeviceRuns = Record<BenchDevice, number[]>;

/** Options of `stackReport`. */
export interface StackOptions {
  /** Virtual size of the measured disks in bytes; default 256 MiB. */
  diskSize?: number;
  /** Runs per device and line; default 3. */
  repeats?: number;
  /** Fewer random reads (fraction of the default counts); default 1. */
  scale?: number;
  /** Measure the worker's memory over a 1 TiB sparse disk; default true. */
  memory?: boolean;
  /** Run in a private context (Chromium: OPFS in memory, behind IPC) instead of on a fresh on-disk profile; default false. */
  incognito?: boolean;
  /** The browser; default Chromium. */
  browser?: StackBrowser;
  /** Progress messages. */
  log?: (message: string) => void;
}

/** Everything one run measured. */
export interface StackReport {
  /** Virtual size of the measured disks in bytes. */
  diskSize: number;
  /** Runs per device and line. */
  repeats: number;
  /** The browser measured. */
  browserName: StackBrowser;
  /** Its version. */
  browser: string;
  /** qedisk on OPFS against raw OPFS, with goals. */
  lines: BenchLine[];
  /** qedisk on OPFS against QED in memory, for information. */
  memoryLines: BenchLine[];
  /** The block lane against plain Comlink calls, both on a QED disk in OPFS. */
  laneLines: BenchLine[];
  /** Median figure of every device for every line, by line name. */
  figures: Record<string, DeviceFigures>;
  /** The figure of every run, by line name and device, in the order measured. */
  runs: Record<string, DeviceRuns>;
  /** The worker's memory over a 1 TiB sparse disk, or null when not measured. */
  workerMemory: WorkerMemoryFigures | null;
}

/**
 * The devices in the order of run `run`: rotations of `BENCH_DEVICES`, every other one reversed,
 * so every device comes first now and then and no device always follows the same one (what one
 * leaves behind, such as writeback after a flush, would otherwise slow down the same neighbour).
 */
function devicesOfRun(run: number): BenchDevice[] {
  const count = BENCH_DEVICES.length;
  const start = Math.floor(run / 2) % count;
  const order = BENCH_DEVICES.map((_, i) => BENCH_DEVICES[(start + i) % count]!);
  return run % 2 === 0 ? order : order.reverse();
}

/** Name of the long-lived disk of `device`. */
function diskName(device: BenchDevice): string {
  return `stack-${device}`;
}

/** Figures of every run of each device for `spec`, devices alternating within every run. */
async function measureLine(page: Page, spec: StackLineSpec, diskSize: number, repeats: number): Promise<DeviceRuns> {
  const runs: Record<BenchDevice, number[]> = { raw: [], qed: [], memory: [], comlink: [] };
  for (let run = 0; run < repeats; run++) {
    for (const device of devicesOfRun(run)) {
      const name = spec.fresh ? `stack-fresh-${device}` : diskName(device);
      if (spec.fresh) await page.evaluate(([n, d, s]) => window.stackBench.open(n, d, s), [name, device, diskSize] as const);
      const result = await page.evaluate(([n, w]) => window.stackBench.run(n, w), [name, spec.workload] as const);
      // Untimed: writes reach storage before the next device runs, so it does not pay for them.
      if (spec.workload.kind === 'sequential-write') await page.evaluate((n) => window.stackBench.flush(n), name);
      if (spec.fresh) await page.evaluate((n) => window.stackBench.close(n), name);
      runs[device].push(figureOf(result, spec.unit));
    }
  }
  return runs;
}

/** Runs the stack benchmark on `host`. */
async function measure(host: StackHost, options: StackOptions): Promise<StackReport> {
  const diskSize = options.diskSize ?? 256 * MIB;
  const repeats = options.repeats ?? 3;
  const scale = options.scale ?? 1;
  const log = options.log ?? ((): void => undefined);
  const page = await host.context.newPage();
  page.on('pageerror', (error) => log(`page error: ${error.message}`));
  await page.goto(host.baseUrl + PAGE_PATH);
  await page.waitForFunction(() => window.stackBench !== undefined);
  await page.evaluate(() => window.stackBench.resetStorage());
  log(`filling a ${diskSize / MIB} MiB disk on each device ...`);
  for (const device of BENCH_DEVICES) {
    await page.evaluate(([n, d, s]) => window.stackBench.open(n, d, s), [diskName(device), device, diskSize] as const);
    await page.evaluate((n) => window.stackBench.fill(n), diskName(device));
    const wrong = await page.evaluate((n) => window.stackBench.verify(n, 256), diskName(device));
    if (wrong > 0) throw new Error(`${wrong} of 256 reads of the ${device} disk did not return what was written`);
  }
  const specs = stackLineSpecs(diskSize, scale);
  // Warm-up (JIT, caches) on every device, not measured.
  for (const device of BENCH_DEVICES) await page.evaluate(([n, w]) => window.stackBench.run(n, w), [diskName(device), { kind: 'random-read', blockSize: 4096, count: 500, inFlight: 4, seed: 5 }] as const);
  const figures: Record<string, DeviceFigures> = {};
  const runs: Record<string, DeviceRuns> = {};
  for (const spec of specs) {
    log(`measuring ${spec.name} ...`);
    const measured = await measureLine(page, spec, diskSize, repeats);
    runs[spec.name] = measured;
    figures[spec.name] = { raw: median(measured.raw), qed: median(measured.qed), memory: median(measured.memory), comlink: median(measured.comlink) };
  }
  for (const device of BENCH_DEVICES) await page.evaluate((n) => window.stackBench.close(n), diskName(device));
  let workerMemory: WorkerMemoryFigures | null = null;
  if (options.memory ?? true) {
    log('measuring worker memory over a 1 TiB sparse disk ...');
    const regions = scale < 1 ? 64 : 512;
    workerMemory = await page.evaluate((o) => window.stackBench.workerMemory(o), { virtualSize: TIB, regions, reads: Math.round(20000 * scale), inFlight: 16 });
  }
  await page.close();
  const lines = specs.map((spec) => lineAgainstRaw(spec, figures[spec.name]!));
  const memoryLines = specs.map((spec) => lineAgainstMemory(spec, figures[spec.name]!));
  const laneLines = specs.map((spec) => lineAgainstComlink(spec, figures[spec.name]!));
  return { diskSize, repeats, browserName: host.browser, browser: host.version, lines, memoryLines, laneLines, figures, runs, workerMemory };
}

/** Starts the server and browser, measures, and stops them. */
export async function stackReport(options: StackOptions = {}): Promise<StackReport> {
  const host = await startStackHost({ incognito: options.incognito ?? false, browser: options.browser ?? 'chromium' });
  try {
    return await measure(host, options);
  } finally {
    await host.close();
  }
}

/** The stack lines with goals (qedisk on OPFS against raw OPFS, then the block lane against plain Comlink), for `npm run bench`. */
export async function stackLines(options: StackOptions = {}): Promise<BenchLine[]> {
  const report = await stackReport(options);
  return [...report.lines, ...report.laneLines];
}

/** The browsers `--browsers=` names (default both). */
function browsersOf(args: Set<string>): StackBrowser[] {
  const listed = [...args].find((a) => a.startsWith('--browsers='))?.slice('--browsers='.length);
  if (listed === undefined) return ['chromium', 'firefox'];
  const names = listed.split(',');
  for (const name of names) if (name !== 'chromium' && name !== 'firefox') throw new Error(`--browsers: unknown browser ${JSON.stringify(name)} (chromium, firefox)`);
  return names as StackBrowser[];
}

/**
 * `npm run bench:stack`: measures each browser in turn and prints its table, then the ratios side
 * by side (or JSON, an array of reports, with `--json`); `--quick` for a short run, `--repeats=N`
 * (default 3) on a noisy machine.
 */
async function main(args: Set<string>): Promise<void> {
  const json = args.has('--json');
  const quick = args.has('--quick');
  const log = (message: string): void => {
    if (!json) process.stderr.write(`${message}\n`);
  };
  const repeats = Number([...args].find((a) => a.startsWith('--repeats='))?.slice('--repeats='.length) ?? 3);
  if (!Number.isSafeInteger(repeats) || repeats < 1) throw new Error('--repeats=N needs a positive whole number');
  const reports: StackReport[] = [];
  for (const browser of browsersOf(args)) {
    log(`${browser}:`);
    const report = await stackReport({ diskSize: quick ? 64 * MIB : 256 * MIB, repeats, scale: quick ? 0.25 : 1, incognito: args.has('--incognito'), browser, log });
    reports.push(report);
    if (!json) printStackReport(report);
  }
  if (json) console.log(JSON.stringify(reports, null, 2));
  else if (reports.length > 1) printBrowserComparison(reports);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(new Set(process.argv.slice(2))).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
