/**
 * The VM saves benchmark (issue 15, item 5), side by side in one run in headless Chromium:
 * - state size: the demo's Linux guest after it wrote `DATA_MIB` MiB of random data to its disk,
 *   saved with `saveVm` (qedisk disk: the state holds no disk bytes) against v86's own
 *   `save_state()` of the same guest doing the same on v86's own disks (an `ArrayBuffer` disk,
 *   whose state holds the whole disk, and an async `File` disk, whose state holds every block
 *   written);
 * - time to save (guest paused, and the whole call) and to restore (`restoreVm` in place) against
 *   v86's own `save_state()` / `restore_state()` on the same qedisk guest;
 * - time from page load to a running published VM (the save exported with `exportVm` and served
 *   by a static server, opened with the demo's "Open" on a fresh profile), over localhost and
 *   over "20 Mbit/s, 40 ms" (Chromium CDP `Network.emulateNetworkConditions`).
 *
 * `npm run bench:vm-save [-- --quick] [-- --json]` (`--quick`: no `ArrayBuffer` disk boot, one
 * round each).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type Page, chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH, startBenchServer } from './bench-server.ts';
import type { BenchGuestKind } from './vm-save-page.ts';

/** Random data the guest writes to its disk before the size comparison, in MiB. */
const DATA_MIB = 16;
/** Disk size of every guest, in MiB. */
const DISK_MIB = 64;
const BOOT_TIMEOUT_MS = 900_000;
const STEP_TIMEOUT_MS = 120_000;
/** "20 Mbit/s, 40 ms": bytes per second and round-trip latency in milliseconds. */
const SLOW_NETWORK = { latency: 40, downloadThroughput: 20e6 / 8, uploadThroughput: 20e6 / 8 };

/** One measured guest. */
interface GuestSizes {
  kind: BenchGuestKind;
  stateBytes: number;
  gzipBytes: number;
}

const quick = process.argv.includes('--quick');
const json = process.argv.includes('--json');
const log = (message: string): void => void process.stderr.write(`vm-save-bench: ${message}\n`);

/** Boots `kind` cold on a fresh context, writes the data, and returns the page (the guest at its shell). */
async function bootGuest(browser: Browser, baseUrl: string, kind: BenchGuestKind): Promise<Page> {
  const context = await browser.newContext({ baseURL: baseUrl });
  const page = await context.newPage();
  await page.goto(`/bench/browser/vm-save-page.html?kind=${kind}&size=${DISK_MIB}`);
  await page.waitForFunction(() => 'vmBench' in window, undefined, { timeout: STEP_TIMEOUT_MS });
  log(`${kind}: booting cold`);
  await waitForConsole(page, /^QEDISK-READY$/m, BOOT_TIMEOUT_MS);
  await waitForConsole(page, /^qedisk# /m, STEP_TIMEOUT_MS);
  await command(page, `dd if=/dev/urandom of=/mnt/data bs=1M count=${DATA_MIB} 2>/dev/null; sync; echo 3 > /proc/sys/vm/drop_caches`, 'DONE-DATA');
  return page;
}

/** Sends `text` and waits for `marker` on a line of its own. */
async function command(page: Page, text: string, marker: string): Promise<void> {
  const from = await page.evaluate(() => window.vmBench.console().length);
  await page.evaluate((line) => window.vmBench.send(`${line}\n`), `${text}; echo ${marker}`);
  await page.waitForFunction(([start, mark]) => new RegExp(`^${mark}$`, 'm').test(window.vmBench.console().slice(Number(start))), [String(from), marker] as const, { timeout: STEP_TIMEOUT_MS, polling: 250 });
}

async function waitForConsole(page: Page, pattern: RegExp, timeoutMs: number): Promise<void> {
  await page.waitForFunction(([source, flags]) => new RegExp(source ?? '', flags).test(window.vmBench.console()), [pattern.source, pattern.flags] as const, { timeout: timeoutMs, polling: 500 });
}

/** The best (smallest) of `values`. */
const best = (values: number[]): number => Math.min(...values);

/** Serves `files` with open CORS on a free port; resolves its origin and a close function. */
async function staticServer(files: Record<string, Uint8Array>): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    const body = files[new URL(request.url ?? '/', 'http://localhost').pathname];
    response.setHeader('Access-Control-Allow-Origin', '*');
    if (!body) response.writeHead(404).end();
    else response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.byteLength) }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Seconds from navigation to the demo saying the published VM at `url` runs (and the guest answering), on a fresh context. */
async function openPublished(browser: Browser, baseUrl: string, url: string, slow: boolean): Promise<{ pageReady: number; running: number; answering: number }> {
  const context = await browser.newContext({ baseURL: baseUrl });
  const page = await context.newPage();
  if (slow) {
    const session = await context.newCDPSession(page);
    await session.send('Network.enable');
    await session.send('Network.emulateNetworkConditions', { offline: false, ...SLOW_NETWORK });
  }
  try {
    await page.goto('/');
    await page.waitForFunction(() => !(document.querySelector('#create-button') as HTMLButtonElement | null)?.disabled, undefined, { timeout: STEP_TIMEOUT_MS });
    const pageReady = await page.evaluate(() => performance.now() / 1000);
    await page.fill('#vm-open-url', url);
    await page.click('#vm-open-button');
    await page.waitForFunction(() => /^VM running \(linux, resumed VM save /.test(document.querySelector('#status')?.textContent ?? ''), undefined, { timeout: STEP_TIMEOUT_MS * 3, polling: 100 });
    const running = await page.evaluate(() => performance.now() / 1000);
    const before = ((await page.locator('#serial-output').textContent()) ?? '').length;
    await page.fill('#serial-input', 'echo BENCH-$((6*7))');
    await page.press('#serial-input', 'Enter');
    await page.waitForFunction((from) => /^BENCH-42$/m.test((document.querySelector('#serial-output')?.textContent ?? '').slice(from)), before, { timeout: STEP_TIMEOUT_MS, polling: 100 });
    const answering = await page.evaluate(() => performance.now() / 1000);
    return { pageReady, running, answering };
  } finally {
    await context.close();
  }
}

async function main(): Promise<void> {
  const { baseUrl, server } = await startBenchServer();
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], headless: true });
  const sizes: GuestSizes[] = [];
  const lines: string[] = [];
  try {
    const ours = await bootGuest(browser, baseUrl, 'qedisk');
    const rounds = quick ? 1 : 3;
    const saves: Array<{ pausedMs: number; totalMs: number; stateBytes: number; storedBytes: number }> = [];
    const restores: number[] = [];
    const v86Saves: number[] = [];
    const v86Restores: number[] = [];
    for (let round = 0; round < rounds; round++) {
      saves.push(await ours.evaluate(() => window.vmBench.saveVm('bench')));
      restores.push(await ours.evaluate(() => window.vmBench.restoreVm('bench')));
      const own = await ours.evaluate(() => window.vmBench.ownSaveRestore());
      v86Saves.push(own.saveMs);
      v86Restores.push(own.restoreMs);
    }
    const last = saves.at(-1);
    if (!last) throw new Error('no save');
    sizes.push({ kind: 'qedisk', stateBytes: last.stateBytes, gzipBytes: last.storedBytes });
    const exported = new Uint8Array(Buffer.from(await ours.evaluate(() => window.vmBench.exportVm('bench')), 'base64'));
    for (const kind of quick ? (['v86-async-file'] as const) : (['v86-async-file', 'v86-array-buffer'] as const)) {
      const page = await bootGuest(browser, baseUrl, kind);
      sizes.push({ kind, ...(await page.evaluate(() => window.vmBench.ownSize())) });
      await page.context().close();
    }
    const published = await staticServer({ '/vm/bench.qvm': exported });
    const local = await openPublished(browser, baseUrl, `${published.origin}/vm/bench.qvm`, false);
    const slow = await openPublished(browser, baseUrl, `${published.origin}/vm/bench.qvm`, true);
    await published.close();

    const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
    for (const size of sizes) lines.push(`state after ${DATA_MIB} MiB written, ${size.kind}: ${mb(size.stateBytes)} (${mb(size.gzipBytes)} gzipped)`);
    const ourSize = sizes[0]?.stateBytes ?? 0;
    for (const size of sizes.slice(1)) lines.push(`  ${size.kind} / qedisk: ${(size.stateBytes / ourSize).toFixed(2)}x the bytes`);
    lines.push(`save (best of ${rounds}): guest paused ${best(saves.map((s) => s.pausedMs)).toFixed(0)} ms, whole saveVm ${best(saves.map((s) => s.totalMs)).toFixed(0)} ms; v86 save_state() alone ${best(v86Saves).toFixed(0)} ms`);
    lines.push(`restore in place (best of ${rounds}): restoreVm ${best(restores).toFixed(0)} ms; v86 restore_state() alone ${best(v86Restores).toFixed(0)} ms`);
    lines.push(`export file: ${mb(exported.byteLength)}`);
    for (const [label, run] of [['localhost', local], ['20 Mbit/s, 40 ms', slow]] as const) {
      lines.push(`published VM over ${label}: page load to page ready ${run.pageReady.toFixed(1)} s, to VM running ${run.running.toFixed(1)} s, to the guest answering ${run.answering.toFixed(1)} s (Open to running ${(run.running - run.pageReady).toFixed(1)} s)`);
    }
    if (json) console.log(JSON.stringify({ sizes, saves, restores, v86Saves, v86Restores, exportedBytes: exported.byteLength, local, slow }, null, 2));
    else for (const line of lines) console.log(line);
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
