/**
 * Chromium against Firefox on the same cold boot (issue 17, item 6): the guest benchmark's page
 * (`guest-page.html`, the demo's VM runner, a new 64 MiB qedisk OPFS disk, boot cold), in headless
 * Chromium, in headless Firefox ESR (through the tests' BiDi shim), and in the Chromium variants
 * that test where the time goes: headed under Xvfb (when `DISPLAY` is set, e.g. run under
 * `xvfb-run`), and with v86's `scheduler.postTask` main loop (`?use-scheduling-api`, instead of
 * its default ping-pong with a helper worker). Rounds interleave the browsers; the median counts.
 * Every milestone of each boot is printed (disk open, VM running, the init's snapshot point, the
 * start line, ready, shell), so a difference shows in which phase it arises, and so are the wasm
 * modules compiled until the shell (v86's JIT translates hot guest code into modules of its own,
 * and interprets that code until a module is ready) with their mean call-to-ready latency.
 *
 * `node --import tsx bench/browser/guest-browsers.ts [--rounds=N] [--json]` (every setup, N rounds);
 * `npm run bench` runs one round (its `browsers` group) and prints `browserLines()`.
 */
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, firefox } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH, FIREFOX_LAUNCH, startBenchServer } from './bench-server.ts';
import type { GuestBenchLine } from './guest-bench.ts';
import { formatGuestTable } from './guest-table.ts';

/** Issue 17: Chromium within 1.3x of Firefox (ratio Firefox / Chromium). */
const BROWSER_GOAL = 1 / 1.3;
const BOOT_TIMEOUT_MS = 400_000;
const MARKS = ['disk-open', 'vm-running', 'snapshot-point', 'start-line', 'ready', 'shell'] as const;

/** One browser setup to compare. */
interface Setup {
  name: string;
  launch(): Promise<Browser>;
  /** Extra query parameters of the page. */
  query: string;
}

const setups = (): Setup[] => {
  const list: Setup[] = [
    { name: 'chromium headless', launch: () => chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], headless: true }), query: '' },
    { name: 'firefox headless', launch: () => firefox.launch(FIREFOX_LAUNCH), query: '' },
    { name: 'chromium headless, postTask loop', launch: () => chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], headless: true }), query: '&use-scheduling-api=1' },
  ];
  if (process.env['DISPLAY']) list.push({ name: 'chromium headed (Xvfb)', launch: () => chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], headless: false }), query: '' });
  return list;
};

/** Milestones of one boot, seconds since navigation start. */
export type BootMarks = Partial<Record<(typeof MARKS)[number], number>>;

/** One boot: its milestones, and the wasm modules compiled until the shell (see `GuestBenchState.wasmCompiles`). */
interface Boot {
  marks: BootMarks;
  wasm: { modules: number; bytes: number; latencyMs: number };
}

/** Boots once in `browser` (a fresh context). */
async function bootIn(browser: Browser, baseUrl: string, query: string, round: number): Promise<Boot> {
  const context = await browser.newContext();
  try {
    const warm = await context.newPage();
    await warm.goto(`${baseUrl}/bench/browser/guest-page.html?warmup=1`, { timeout: 120_000 });
    await warm.waitForFunction(() => window.guestBench.marks['warm'] !== undefined || window.guestBench.error !== null, undefined, { timeout: 120_000, polling: 200 });
    await warm.close();
    const page = await context.newPage();
    await page.goto(`${baseUrl}/bench/browser/guest-page.html?disk=opfs&name=browsers-${round}&size=64&start=cold${query}`, { timeout: 120_000 });
    await page.waitForFunction(() => window.guestBench.marks['shell'] !== undefined || window.guestBench.error !== null, undefined, { timeout: BOOT_TIMEOUT_MS, polling: 200 });
    const { marks, error, wasm } = await page.evaluate(() => ({ marks: window.guestBench.marks, error: window.guestBench.error, wasm: window.guestBench.wasmCompiles }));
    if (error !== null) throw new Error(error);
    await page.evaluate(() => window.guestBench.stop());
    return { marks: Object.fromEntries(MARKS.flatMap((mark) => (marks[mark] === undefined ? [] : [[mark, marks[mark] / 1000]]))), wasm };
  } finally {
    await context.close();
  }
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/** Runs `rounds` interleaved rounds of every setup; returns the boots by setup name. */
export async function browserSamples(rounds: number, log: (message: string) => void = () => undefined): Promise<Record<string, BootMarks[]>> {
  const { baseUrl, server } = await startBenchServer();
  const samples: Record<string, BootMarks[]> = {};
  try {
    const list = setups();
    for (let round = 0; round < rounds; round++) {
      for (const setup of round % 2 === 0 ? list : [...list].reverse()) {
        const browser = await setup.launch();
        try {
          const { marks, wasm } = await bootIn(browser, baseUrl, setup.query, round);
          (samples[setup.name] ??= []).push(marks);
          log(`  ${setup.name.padEnd(34)} ${MARKS.map((mark) => `${mark} ${marks[mark]?.toFixed(1) ?? '-'}`).join(', ')}`);
          log(`  ${''.padEnd(34)} wasm modules compiled: ${wasm.modules} (${(wasm.bytes / 2 ** 20).toFixed(1)} MiB), mean call-to-ready ${(wasm.latencyMs / Math.max(1, wasm.modules)).toFixed(0)} ms`);
        } finally {
          await browser.close();
        }
      }
    }
    return samples;
  } finally {
    await server.close();
  }
}

/** Lines: each Chromium setup's median page load to shell against Firefox's. */
export function browserLines(samples: Record<string, BootMarks[]>): GuestBenchLine[] {
  const shell = (name: string): number => median((samples[name] ?? []).map((marks) => marks.shell ?? Number.NaN));
  const baseline = shell('firefox headless');
  return Object.keys(samples)
    .filter((name) => name.startsWith('chromium'))
    .map((name) => ({ name: `guest: cold boot, page load to shell, ${name}`, unit: 's', qedisk: shell(name), baseline, baselineName: 'Firefox ESR headless, same boot', ratio: baseline / shell(name), goal: BROWSER_GOAL }));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const rounds = Number(args.find((a) => a.startsWith('--rounds='))?.slice('--rounds='.length) ?? 2);
  const log = (message: string): void => void process.stderr.write(`${message}\n`);
  const samples = await browserSamples(rounds, log);
  const lines = browserLines(samples);
  if (args.includes('--json')) console.log(JSON.stringify({ lines, samples }, null, 2));
  else console.log(formatGuestTable(lines));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
