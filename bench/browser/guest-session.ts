/**
 * One measured start of the guest: a new page of `guest-page.html` in the benchmark's browser
 * context, timed from navigation start to the guest's shell prompt (after `QEDISK-READY`, so with
 * the disk mounted), by the page's own clock.
 */
import type { BrowserContext, Page } from '@playwright/test';
import { DD_FILE_MIB, ddCommand, parseDdSeconds } from './guest-dd.ts';

/** Where the guest's disk lives. */
export type BenchDiskKind = 'opfs' | 'memory';

/** What to start. */
export interface StartSpec {
  /** qedisk on OPFS through the worker, or a QED image in memory in the page. */
  disk: BenchDiskKind;
  /** Disk name (OPFS: created when missing, kept otherwise). */
  name: string;
  /** Disk size in MiB. */
  sizeMiB: number;
  /** `cold` boots from scratch (and saves the state); `auto` uses the saved state when there is one. */
  start: 'cold' | 'auto';
}

/** What a start measured. Times in seconds since navigation started. */
export interface StartFigures {
  /** To the guest's shell prompt, with the disk mounted. */
  shell: number;
  /** To `QEDISK-READY`. */
  ready: number;
  /** To the disk being open (created when new). */
  diskOpen: number;
  /** Seconds the disk spent on the guest's requests up to the shell (sum of request times). */
  diskBusy: number;
  /** How the VM started (`cold` or `saved-state`). */
  startedFrom: string;
  /** The runner's notes. */
  notes: string[];
}

/** A started guest, ready for commands. */
export interface GuestSession {
  /** The page. */
  page: Page;
  /** The start's figures. */
  figures: StartFigures;
}

/** Opens the page with `?warmup` and waits until it has the guest files. */
export async function warmUp(context: BrowserContext, baseUrl: string, timeoutMs: number): Promise<void> {
  const page = await context.newPage();
  try {
    await page.goto(`${baseUrl}/bench/browser/guest-page.html?warmup=1`, { timeout: timeoutMs });
    await page.waitForFunction(() => window.guestBench.marks['warm'] !== undefined || window.guestBench.error !== null, undefined, { timeout: timeoutMs, polling: 100 });
    await failOnPageError(page);
  } finally {
    await page.close();
  }
}

/** Loads the page for `spec` and waits until the guest's shell prompt. */
export async function startGuest(context: BrowserContext, baseUrl: string, spec: StartSpec, timeoutMs: number): Promise<GuestSession> {
  const page = await context.newPage();
  const query = new URLSearchParams({ disk: spec.disk, name: spec.name, size: String(spec.sizeMiB), start: spec.start });
  await page.goto(`${baseUrl}/bench/browser/guest-page.html?${query.toString()}`);
  try {
    await page.waitForFunction(() => window.guestBench.marks['shell'] !== undefined || window.guestBench.error !== null, undefined, { timeout: timeoutMs, polling: 100 });
  } catch (error) {
    const tail = await page.evaluate(() => window.guestBench.serial.slice(-2000)).catch(() => '');
    await page.close();
    throw new Error(`${spec.disk} ${spec.start} start did not reach the shell: ${String(error)}\n--- guest console ---\n${tail}`);
  }
  await failOnPageError(page);
  const raw = await page.evaluate(() => ({
    marks: window.guestBench.marks,
    startedFrom: window.guestBench.startedFrom,
    notes: window.guestBench.notes,
    diskBusyMs: [window.guestBench.diskTimes.read, window.guestBench.diskTimes.write, window.guestBench.diskTimes.flush].reduce((sum, kind) => sum + kind.durationsMs.reduce((a, b) => a + b, 0), 0),
  }));
  const { shell, ready } = raw.marks;
  const diskOpen = raw.marks['disk-open'];
  if (shell === undefined || ready === undefined || diskOpen === undefined) throw new Error('the page lacks a shell, ready or disk-open time');
  return { page, figures: { shell: shell / 1000, ready: ready / 1000, diskOpen: diskOpen / 1000, diskBusy: raw.diskBusyMs / 1000, startedFrom: raw.startedFrom ?? 'unknown', notes: raw.notes } };
}

/** What one dd round measured: seconds by the guest's clock, and the disk's share of them. */
export interface DdRound {
  /** Bytes written, then read. */
  bytes: number;
  /** Seconds the write with fsync took. */
  writeSeconds: number;
  /** Seconds the read took. */
  readSeconds: number;
  /** Seconds the disk spent on the guest's requests during the write (sum of request times). */
  writeDiskSeconds: number;
  /** The same during the read. */
  readDiskSeconds: number;
}

/** Sends `command` to the guest's shell and resolves with what it printed, once `echo QEDISK-BENCH-DONE` ran after it. */
async function runInGuest(page: Page, command: string, timeoutMs: number): Promise<string> {
  const before = await page.evaluate(() => window.guestBench.serial.length);
  await page.evaluate((line) => window.guestBench.send(`${line}; echo QEDISK-BENCH-DONE\n`), command);
  await page.waitForFunction((from) => /^QEDISK-BENCH-DONE\r?$/m.test(window.guestBench.serial.slice(from)), before, { timeout: timeoutMs, polling: 100 });
  return page.evaluate((from) => window.guestBench.serial.slice(from), before);
}

/** Runs `command` with the page's disk timing reset first; resolves with the output and the disk's seconds. */
async function runTimed(page: Page, command: string, timeoutMs: number): Promise<{ output: string; diskSeconds: number }> {
  await page.evaluate(() => {
    window.guestBench.diskTimes = { read: { durationsMs: [], bytes: 0 }, write: { durationsMs: [], bytes: 0 }, flush: { durationsMs: [], bytes: 0 } };
  });
  const output = await runInGuest(page, command, timeoutMs);
  const diskMs = await page.evaluate(() => {
    const { read, write, flush } = window.guestBench.diskTimes;
    return [...read.durationsMs, ...write.durationsMs, ...flush.durationsMs].reduce((sum, ms) => sum + ms, 0);
  });
  return { output, diskSeconds: diskMs / 1000 };
}

/** Runs one dd round (see `guest-dd.ts`) in the guest and returns its figures. */
export async function measureDd(session: GuestSession, timeoutMs: number): Promise<DdRound> {
  const { page } = session;
  await runInGuest(page, ddCommand('prepare'), timeoutMs);
  const write = await runTimed(page, ddCommand('write'), timeoutMs);
  const read = await runTimed(page, ddCommand('read'), timeoutMs);
  await runInGuest(page, ddCommand('cleanup'), timeoutMs);
  return {
    bytes: DD_FILE_MIB * 1024 * 1024,
    writeSeconds: parseDdSeconds(write.output, 'write'),
    readSeconds: parseDdSeconds(read.output, 'read'),
    writeDiskSeconds: write.diskSeconds,
    readDiskSeconds: read.diskSeconds,
  };
}

/** Stops the VM, closes the disk, and closes the page. */
export async function endSession(session: GuestSession): Promise<void> {
  await session.page.evaluate(() => window.guestBench.stop());
  await session.page.close();
}

async function failOnPageError(page: Page): Promise<void> {
  const error = await page.evaluate(() => window.guestBench.error);
  if (error !== null) throw new Error(`the benchmark page failed: ${error}`);
}
