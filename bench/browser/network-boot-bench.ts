/**
 * The network boot benchmark (issue 17, items 2 and 3): the demo's Linux guest in headless
 * Chromium starts on a new disk made from an HTTP base, with the base's cache in OPFS empty and
 * the base's requests going over an emulated network (`network-boot-throttle.ts`: "20 Mbit/s,
 * 40 ms" and "5 Mbit/s, 100 ms"), with and without the boot prefetch manifest; against the same
 * start with the base fully cached in OPFS, side by side in one run. The guest starts from the
 * state saved at the init's snapshot point (as the demo does after the first boot of a visit):
 * the kernel's boot, 30-50 s of CPU that is the same on both sides and reads nothing of the base,
 * would only dilute the ratio (and take minutes a boot on a loaded machine). The page's code and
 * the kernel come from localhost on both sides: only the base crosses the emulated network
 * (`Cache-Control: no-store` on it, so no boot finds another's bytes in the HTTP cache). Times
 * are from navigation start to the shell prompt (busybox base) and to the output of
 * `python3 -c 'print(sum(range(10)))'` (Python base).
 *
 * When a base has no manifest yet (`demo/assets/guest/<base>.manifest.json`), a recording boot
 * over localhost makes one first (`--record` makes it again). The files are generated, never
 * committed.
 *
 * `node --import tsx bench/browser/network-boot-bench.ts [--json] [--quick] [--repeats=N] [--record] [--only=busybox|python|python-qcow2]`;
 * `networkBootLines()` is what `npm run bench` wires in. With `QEDISK_NETWORK_CACHED_ONLY=1` only the
 * cached boots run (to study a base's read path without the link); each boot's log line gives the
 * guest's disk reads and their summed time.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { manifestFromRuns, serializeManifest } from '../../src/backends/remote/prefetch-manifest.ts';
import { type BootRun, type BootVariant, type NetworkBase, NETWORK_BASES, NetworkBootSession } from './network-boot-run.ts';
import { NETWORK_PROFILES, type NetworkProfile, type ThrottleProxy, startThrottleProxy } from './network-boot-throttle.ts';
import type { GuestBenchLine } from './guest-bench.ts';
import { repoRoot, startGuestBenchHost } from './guest-server.ts';
import { formatGuestTable } from './guest-table.ts';

/** Issue 17: a cold first boot over 20 Mbit/s, 40 ms within 1.25x of the cached boot (ratio cached / cold). */
const SHELL_GOAL = 1 / 1.25;
/** Issue 17: the Python line within 1.5x. */
const PYTHON_GOAL = 1 / 1.5;

/** Options of `networkBootSamples`. */
export interface NetworkBootOptions {
  /** Rounds of every variant (the median counts); default 1. */
  repeats?: number;
  /** Record the manifests again even when they exist. */
  record?: boolean;
  /** Only these bases (default both). */
  bases?: ReadonlyArray<NetworkBase['key']>;
  /** Progress messages. */
  log?: (message: string) => void;
}

/** Every boot of one base, by variant key (`cached`, `<profile> manifest`, `<profile> no manifest`). */
export type NetworkBootSamples = Record<string, Record<string, BootRun[]>>;

const variantKey = (profile: NetworkProfile | null, manifest: boolean): string => (profile ? `${profile.label}, ${manifest ? 'manifest' : 'no manifest'}` : 'cached');

/** The manifest file of `base`. */
const manifestPath = (base: NetworkBase): string => join(repoRoot, 'demo', 'assets', 'guest', `${base.file}.manifest.json`);

/** Writes the manifest of `base` from the chunks `run` read, in order. */
function writeManifest(base: NetworkBase, run: BootRun, log: (m: string) => void): void {
  const order = run.readOrder;
  if (!order || order.runs.length === 0) throw new Error(`the recording boot of ${base.file} read nothing from the base`);
  const size = statSync(join(repoRoot, 'demo', 'assets', 'guest', base.file)).size;
  const manifest = manifestFromRuns(order.runs.map(([first, count]: [number, number]) => ({ first, count })), size, order.chunkSize);
  writeFileSync(manifestPath(base), serializeManifest(manifest));
  const chunks = manifest.runs.reduce((sum, { count }) => sum + count, 0);
  log(`  recorded ${base.file}.manifest.json: ${chunks} chunks (${((chunks * order.chunkSize) / 1e6).toFixed(1)} MB) in ${manifest.runs.length} runs`);
}

/** Runs the benchmark and returns every boot. */
export async function networkBootSamples(options: NetworkBootOptions = {}): Promise<NetworkBootSamples> {
  const repeats = Math.max(1, options.repeats ?? 1);
  const log = options.log ?? (() => undefined);
  const bases = NETWORK_BASES.filter((base) => !options.bases || options.bases.includes(base.key));
  execFileSync(process.execPath, [join(repoRoot, 'scripts', 'ensure-guest-assets.mjs'), '--strict', ...(bases.some((b) => b.key.startsWith('python')) ? ['--python'] : [])], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (bases.some((b) => b.file.endsWith('.qcow2'))) execFileSync(process.execPath, [join(repoRoot, 'scripts', 'ensure-base-qcow2.mjs'), '--strict', '--python'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const host = await startGuestBenchHost();
  let proxy: ThrottleProxy | null = null;
  const samples: NetworkBootSamples = {};
  try {
    proxy = await startThrottleProxy(host.baseUrl, (path) => path.startsWith('/demo/assets/guest/') && (path.endsWith('.ext2') || path.endsWith('.qcow2') || path.endsWith('.manifest.json')));
    const variants: BootVariant[] = [{ profile: null, manifest: false, cached: true }, ...(process.env['QEDISK_NETWORK_CACHED_ONLY'] ? [] : NETWORK_PROFILES).flatMap((profile) => [false, true].map((manifest) => ({ profile, manifest, cached: false })))];
    for (const base of bases) {
      const session = await NetworkBootSession.open(host.browser, proxy, base);
      try {
        // The first boot is cold (it saves the guest's state for the others) over localhost; it records the manifest.
        const first = await session.boot({ profile: null, manifest: false, cached: false }, 'cold');
        log(`  ${base.key.padEnd(12)} ${'first boot (cold VM, localhost)'.padEnd(30)} ${describeRun(first)}`);
        if (options.record || !existsSync(manifestPath(base))) writeManifest(base, first, log);
        const byVariant: Record<string, BootRun[]> = {};
        samples[base.key] = byVariant;
        for (let round = 0; round < repeats; round++) {
          for (const variant of round % 2 === 0 ? variants : [...variants].reverse()) {
            const run = await session.boot(variant, 'auto');
            if (run.startedFrom !== 'saved-state') throw new Error(`${base.key} ${variantKey(variant.profile, variant.manifest)}: started ${run.startedFrom}, not from the saved state`);
            (byVariant[variantKey(variant.profile, variant.manifest)] ??= []).push(run);
            log(`  ${base.key.padEnd(12)} ${variantKey(variant.profile, variant.manifest).padEnd(30)} ${describeRun(run)}`);
          }
        }
      } finally {
        await session.close();
      }
    }
    return samples;
  } finally {
    await proxy?.close();
    await host.close();
  }
}

function describeRun(run: BootRun): string {
  const python = run.pythonS === null ? '' : `, python ${run.pythonS.toFixed(1)} s (${(run.pythonS - run.shellS).toFixed(1)} s after the shell)`;
  const prefetch = run.prefetch ? `, prefetch ${run.prefetch.state} ${(run.prefetch.bytes / 1e6).toFixed(1)} MB in ${run.prefetch.requests} requests` : '';
  const reads = `; ${run.diskReads.count} guest reads took ${(run.diskReads.totalMs / 1000).toFixed(1)} s in all`;
  return `shell ${run.shellS.toFixed(1)} s (disk phase ${(run.shellS - run.startLineS).toFixed(1)} s)${python}; ${(run.bytes / 1e6).toFixed(2)} MB in ${run.requests} requests over the link${prefetch}${reads}`;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/** The table's lines: per base, profile and manifest use, cold-network time against the cached boot (medians). */
export function networkBootLines(samples: NetworkBootSamples): GuestBenchLine[] {
  const lines: GuestBenchLine[] = [];
  for (const base of NETWORK_BASES) {
    const byVariant = samples[base.key];
    const cached = byVariant?.['cached'];
    if (!byVariant || !cached) continue;
    const measure = (run: BootRun): number => (base.command ? (run.pythonS ?? Number.NaN) : run.shellS);
    const baseline = median(cached.map(measure));
    for (const profile of NETWORK_PROFILES) {
      for (const manifest of [false, true]) {
        const runs = byVariant[variantKey(profile, manifest)];
        if (!runs) continue;
        const time = median(runs.map(measure));
        const bytes = median(runs.map((run) => run.bytes));
        const requests = median(runs.map((run) => run.requests));
        lines.push({
          name: `network boot, ${base.label}, ${profile.label}, ${manifest ? 'manifest' : 'no manifest'}: page load to ${base.command ? 'python3 output' : 'shell'} (${(bytes / 1e6).toFixed(1)} MB, ${requests} requests)`,
          unit: 's',
          qedisk: time,
          baseline,
          baselineName: 'same boot, base cached in OPFS',
          ratio: baseline / time,
          goal: base.command ? PYTHON_GOAL : SHELL_GOAL,
        });
      }
    }
  }
  return lines;
}

/** Runs the benchmark and returns its lines (what `npm run bench` shows). */
export async function networkLines(options: NetworkBootOptions = {}): Promise<GuestBenchLine[]> {
  return networkBootLines(await networkBootSamples(options));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const repeats = Number(args.find((a) => a.startsWith('--repeats='))?.slice('--repeats='.length) ?? (args.includes('--quick') ? 1 : 1));
  const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length) as NetworkBase['key'] | undefined;
  const log = (message: string): void => void process.stderr.write(`${message}\n`);
  const started = performance.now();
  const samples = await networkBootSamples({ repeats, record: args.includes('--record'), ...(only ? { bases: [only] } : {}), log });
  const lines = networkBootLines(samples);
  const seconds = (performance.now() - started) / 1000;
  if (json) console.log(JSON.stringify({ seconds, lines, samples }, null, 2));
  else {
    console.log(`qedisk network boot benchmark: cold v86 boot in headless Chromium on a disk made from an HTTP base, base over an emulated link, median of ${repeats}, ratio = cached / cold (higher is better), ${seconds.toFixed(0)} s in all`);
    console.log(formatGuestTable(lines));
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
