/**
 * The base fetch benchmark (issue 14, item 6): the demo's Linux guest's first boot from an HTTP
 * base in headless Chromium, from the raw ext2 base (`base-rootfs.ext2`) against the same disk as
 * a compressed qcow2 base (`base-rootfs.qcow2`, made by `scripts/ensure-base-qcow2.mjs`), side by
 * side in one run: bytes fetched from the server, Range requests, and page load to the shell
 * prompt. Each boot runs in a new browser context (empty OPFS: nothing cached), cold, after a
 * warm-up page load in that context (so the page's modules and the guest files are not timed).
 * The dev server is on localhost: the time shows what decompression costs, not what a slow link
 * saves (bytes and requests show that). No boot prefetch manifest is served for either base (the
 * network bench measures those), so both are fetched only as the guest reads them.
 *
 * `node --import tsx bench/browser/base-fetch-bench.ts [--json] [--quick]`; `baseFetchLines()` is
 * what `npm run bench` wires in (`--only=bases`).
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from '@playwright/test';
import type { RemoteBaseStatus } from '../../src/protocol/types.ts';
import type { BenchLine } from '../measure.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH, repoRoot, startBenchServer } from './bench-server.ts';

/** The two bases, as the page declares them. */
export type BaseSide = 'raw' | 'qcow2';

/** What one first boot measured. */
export interface BootFigures {
  /** Page load to the shell prompt, in seconds. */
  shellSeconds: number;
  /** Bytes fetched from the base up to the shell. */
  bytesFetched: number;
  /** Range requests answered up to the shell. */
  requests: number;
}

/** Every boot, by side. */
export type BaseFetchSamples = Record<BaseSide, BootFigures[]>;

/** Options of `baseFetchLines`. */
export interface BaseFetchOptions {
  /** First boots per side (alternating sides); default 2. */
  repeats?: number;
  /** Progress messages (default: none). */
  log?: (message: string) => void;
}

const GUEST_DIR = join(repoRoot, 'demo', 'assets', 'guest');
const BASE_FILES: Record<BaseSide, string> = { raw: 'base-rootfs.ext2', qcow2: 'base-rootfs.qcow2' };
const BOOT_TIMEOUT_MS = 300_000;
const PAGE_TIMEOUT_MS = 120_000;
const RAW_NAME = 'raw ext2 base (same disk)';

/** Boots once from `side`'s base in a new context of `browser`; returns its figures. */
async function bootOnce(browser: Browser, baseUrl: string, side: BaseSide): Promise<BootFigures> {
  const context = await browser.newContext();
  try {
    const warm = await context.newPage();
    await warm.goto(`${baseUrl}/bench/browser/base-fetch-page.html?warmup=1`, { timeout: PAGE_TIMEOUT_MS });
    await warm.waitForFunction(() => window.baseFetchBench.marks['warm'] !== undefined || window.baseFetchBench.error !== null, undefined, { timeout: PAGE_TIMEOUT_MS, polling: 100 });
    await warm.close();
    const page = await context.newPage();
    const query = new URLSearchParams({ base: `/demo/assets/guest/${BASE_FILES[side]}`, format: side, name: `first-boot-${side}` });
    await page.goto(`${baseUrl}/bench/browser/base-fetch-page.html?${query.toString()}`, { timeout: PAGE_TIMEOUT_MS });
    try {
      await page.waitForFunction(() => window.baseFetchBench.marks['shell'] !== undefined || window.baseFetchBench.error !== null, undefined, { timeout: BOOT_TIMEOUT_MS, polling: 100 });
    } catch (error) {
      const tail = await page.evaluate(() => window.baseFetchBench.serial.slice(-1500)).catch(() => '');
      throw new Error(`${side}: no shell: ${String(error)}\n--- guest console ---\n${tail}`);
    }
    const result = await page.evaluate(async () => ({ marks: window.baseFetchBench.marks, error: window.baseFetchBench.error, status: await window.baseFetchBench.baseStatus() }));
    if (result.error !== null) throw new Error(`${side}: the page failed: ${result.error}`);
    const shell = result.marks['shell'];
    const status: RemoteBaseStatus | null = result.status;
    if (shell === undefined || status === null) throw new Error(`${side}: no shell mark or no base status`);
    await page.evaluate(() => window.baseFetchBench.stop());
    return { shellSeconds: shell / 1000, bytesFetched: status.bytesFetched, requests: status.requests };
  } finally {
    await context.close();
  }
}

/** Builds what is missing (guest files, ext2 base, qcow2 base) and runs the boots. */
export async function baseFetchSamples(options: BaseFetchOptions = {}): Promise<BaseFetchSamples> {
  const repeats = Math.max(1, options.repeats ?? 2);
  const log = options.log ?? (() => undefined);
  for (const script of ['ensure-guest-assets.mjs', 'ensure-base-qcow2.mjs']) {
    execFileSync(process.execPath, [join(repoRoot, 'scripts', script), '--strict'], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  for (const side of ['raw', 'qcow2'] as const) {
    log(`  ${side} base: ${BASE_FILES[side]}, ${statSync(join(GUEST_DIR, BASE_FILES[side])).size} bytes, no boot prefetch manifest served`);
  }
  const samples: BaseFetchSamples = { raw: [], qcow2: [] };
  // Neither base's boot manifest is served: both are fetched as the guest reads them, alike.
  const { baseUrl, server } = await startBenchServer({}, { hideManifests: true });
  try {
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], headless: true });
    try {
      for (let i = 0; i < repeats; i++) {
        // Raw first in even rounds, qcow2 first in odd ones, so drift hits both alike.
        for (const side of i % 2 === 0 ? (['raw', 'qcow2'] as const) : (['qcow2', 'raw'] as const)) {
          const figures = await bootOnce(browser, baseUrl, side);
          samples[side].push(figures);
          log(`  ${side.padEnd(5)} first boot: shell ${figures.shellSeconds.toFixed(1)} s after page load, ${figures.bytesFetched} bytes fetched in ${figures.requests} requests`);
        }
      }
    } finally {
      await browser.close();
    }
  } finally {
    await server.close();
  }
  return samples;
}

/** Median of `values`. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/**
 * The table's lines (higher ratio is better): bytes and requests (medians) and the time to the
 * shell (the fastest boot: on a shared machine other work only ever adds time) of the qcow2 base
 * against the raw one.
 */
export function baseFetchLinesOf(samples: BaseFetchSamples): BenchLine[] {
  const mb = (side: BaseSide): number => median(samples[side].map((boot) => boot.bytesFetched)) / 1e6;
  const requests = (side: BaseSide): number => median(samples[side].map((boot) => boot.requests));
  const shell = (side: BaseSide): number => Math.min(...samples[side].map((boot) => boot.shellSeconds));
  return [
    { name: 'bases: first boot, bytes fetched, compressed qcow2 base', unit: 'MB', qedisk: mb('qcow2'), baseline: mb('raw'), baselineName: RAW_NAME, ratio: mb('raw') / mb('qcow2'), goal: 1.5 },
    { name: 'bases: first boot, Range requests, compressed qcow2 base', unit: 'req', qedisk: requests('qcow2'), baseline: requests('raw'), baselineName: RAW_NAME, ratio: requests('raw') / requests('qcow2'), goal: 1 },
    { name: 'bases: first boot, page load to shell, qcow2 base (localhost)', unit: 's', qedisk: shell('qcow2'), baseline: shell('raw'), baselineName: RAW_NAME, ratio: shell('raw') / shell('qcow2'), goal: 0.9 },
  ];
}

/** Runs the benchmark and returns its lines (what `npm run bench` shows). */
export async function baseFetchLines(options: BaseFetchOptions = {}): Promise<BenchLine[]> {
  return baseFetchLinesOf(await baseFetchSamples(options));
}

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  const log = (message: string): void => void process.stderr.write(`${message}\n`);
  const started = performance.now();
  const samples = await baseFetchSamples({ repeats: args.has('--quick') ? 1 : 2, log });
  const lines = baseFetchLinesOf(samples);
  const seconds = (performance.now() - started) / 1000;
  if (args.has('--json')) {
    console.log(JSON.stringify({ seconds, lines, samples }, null, 2));
    return;
  }
  console.log(`qedisk base fetch benchmark: the demo guest's first boot from an HTTP base in headless Chromium, ${seconds.toFixed(0)} s in all`);
  for (const line of lines) {
    console.log(`${line.name}: ${line.qedisk.toFixed(2)} ${line.unit} against ${line.baseline.toFixed(2)} ${line.unit} (${line.baselineName}), ratio ${line.ratio.toFixed(2)} (goal >= ${line.goal})`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
