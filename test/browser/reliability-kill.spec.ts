import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type Page, expect, test } from './driver/index.ts';
import { type KillPoint, type KillResult, STREAM_END, runKillPoint } from './reliability-harness/kill-run.ts';
import { StreamReports, decodeBase64, freshHarnessPage, openReliabilityPage } from './reliability-harness/pages.ts';
import { STREAM_DISK } from './reliability-harness/stream.ts';

/** Figures for the log, summed over the kill points of this file. */
const totals = { killPoints: 0, bytesVerified: 0, leftNeedingCheck: 0, opsHeard: 0, opsLanded: 0, outOfOrder: 0 };

test.afterAll(() => {
  console.log(
    `reliability-kill: ${totals.killPoints} kill points, ${totals.bytesVerified} guest bytes verified, ` +
      `${totals.leftNeedingCheck} left with need-check set, ${totals.opsHeard} ops heard complete, ${totals.opsLanded} found on disk as a prefix, ` +
      `${totals.outOfOrder} overlay kill points with unanswered writes landed out of order`,
  );
});

/** Asserts everything a kill point must meet, and adds it to the totals. */
function expectRecovered(result: KillResult, label: string, midStream: boolean): void {
  expect(result.failures, `${label}: ops that failed before the kill`).toEqual([]);
  expect(result.verdict.problems, `${label}: oracle`).toEqual([]);
  if (result.order === 'in-order') expect(result.verdict.prefix, `${label}: ops on disk`).toBeGreaterThanOrEqual(result.known.settled);
  if (midStream) {
    expect(result.streamEnded, `${label}: the stream was still running at the kill`).toBe(false);
    if (result.order === 'in-order') expect(result.verdict.prefix, `${label}: ops on disk`).toBeLessThan(STREAM_END);
  }
  for (const [when, report] of [['as left', result.inspection.checkBefore], ['after reopening', result.inspection.checkAfter]] as const) {
    expect(report.corruptions, `${label}: corruptions ${when}`).toBe(0);
    expect(report.checkErrors, `${label}: check errors ${when}`).toBe(0);
  }
  expect(result.inspection.needsCheckAfter, `${label}: need-check after the read-write open`).toBe(false);
  expect([0, 3], `${label}: qemu-img check exit status (0 clean, 3 leaks only)\n${result.qemuOutput}`).toContain(result.qemuStatus);
  totals.killPoints++;
  totals.bytesVerified += result.verdict.bytesVerified;
  if (result.inspection.needsCheckBefore) totals.leftNeedingCheck++;
  totals.opsHeard += result.known.settled;
  if (result.verdict.prefix >= 0) totals.opsLanded += result.verdict.prefix;
  else totals.outOfOrder++;
}

/** Closes the tab abruptly (no unload handlers) and opens a fresh one. */
async function closeTab(page: Page): Promise<Page> {
  await page.close();
  return freshHarnessPage(page);
}

/** Crashes the tab's renderer (Firefox: its content process), which runs the page and its disk worker, and opens a fresh tab. */
function crashRenderer(crashPage: (page: Page) => Promise<void>): (page: Page) => Promise<Page> {
  return async (page) => {
    await crashPage(page);
    return freshHarnessPage(page);
  };
}

test.describe('a disk whose tab dies in the middle of a stream of writes', () => {
  test('reopens clean with every completed write, after tabs are closed and renderers crash', async ({ page, context, crashPage }) => {
    const crash = crashRenderer(crashPage);
    const reports = new StreamReports();
    await reports.attach(context);
    await openReliabilityPage(page);
    await page.evaluate(() => window.reliability.resetStorage());
    const points: Array<{ point: KillPoint; kill: (page: Page) => Promise<Page>; label: string }> = [
      { point: { seed: 11, timing: { settled: 40 } }, kill: closeTab, label: 'tab closed after 40 ops' },
      { point: { seed: 12, timing: { settled: 150 } }, kill: crash, label: 'renderer crashed after 150 ops' },
      { point: { seed: 13, timing: { burst: 300 } }, kill: closeTab, label: 'tab closed right after sending 300 ops at once' },
      { point: { seed: 14, timing: { settled: 400 } }, kill: crash, label: 'renderer crashed after 400 ops' },
      { point: { seed: 15, timing: { settled: 700 } }, kill: closeTab, label: 'tab closed after 700 ops' },
    ];
    let current = page;
    let initial: Uint8Array = new Uint8Array(STREAM_DISK.size);
    for (const [index, { point, kill, label }] of points.entries()) {
      const result = await runKillPoint({ page: current, reports, disk: 'victim', create: index === 0, initial, point, kill });
      expectRecovered(result, label, 'settled' in point.timing);
      initial = result.content;
      current = result.page;
    }
  });

  test('an overlay on a base (writes share group commits) reopens clean with every completed write', async ({ page, context, crashPage }) => {
    const reports = new StreamReports();
    await reports.attach(context);
    await openReliabilityPage(page);
    // The base: a disk of the stream's geometry holding a pattern, so the base's bytes show wherever the overlay holds nothing.
    const baseFile = await page.evaluate(async (size) => {
      const { keepOpen, kept, closeKept, resetStorage, rawFile, toBase64 } = window.reliability;
      await resetStorage();
      await keepOpen('kill-base', { create: size });
      const bytes = new Uint8Array(size.size);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >>> 12)) & 0xff | 1;
      await kept('kill-base').write(0, bytes);
      await closeKept('kill-base');
      return toBase64(await rawFile('kill-base'));
    }, { ...STREAM_DISK });
    let initial: Uint8Array = new Uint8Array(STREAM_DISK.size);
    for (let i = 0; i < initial.length; i++) initial[i] = ((i * 7 + (i >>> 12)) & 0xff) | 1;
    const base = { name: 'kill-base', file: decodeBase64(baseFile) };
    const points: Array<{ point: KillPoint; kill: (page: Page) => Promise<Page>; label: string }> = [
      { point: { seed: 31, timing: { settled: 60 } }, kill: closeTab, label: 'overlay: tab closed after 60 ops' },
      { point: { seed: 32, timing: { burst: 300 } }, kill: crashRenderer(crashPage), label: 'overlay: renderer crashed right after 300 ops sent at once' },
      { point: { seed: 33, timing: { settled: 500 } }, kill: closeTab, label: 'overlay: tab closed after 500 ops' },
    ];
    let current = page;
    for (const [index, { point, kill, label }] of points.entries()) {
      const result = await runKillPoint({ page: current, reports, disk: 'over', create: index === 0, initial, point, kill, base });
      expect(result.inspection.backingFile, `${label}: the disk is an overlay`).not.toBeNull();
      expectRecovered(result, label, 'settled' in point.timing);
      initial = result.content;
      current = result.page;
    }
  });

  test('reopens clean with every completed write after the browser closes mid-stream (persistent profile)', async ({ launchPersistent }) => {
    const profile = mkdtempSync(join(tmpdir(), 'qedisk-profile-'));
    const reports = new StreamReports();
    const launch = async (): Promise<{ context: BrowserContext; page: Page }> => {
      const context = await launchPersistent(profile);
      await reports.attach(context);
      const page = context.pages()[0] ?? (await context.newPage());
      await openReliabilityPage(page);
      return { context, page };
    };
    let browser = await launch();
    try {
      await browser.page.evaluate(() => window.reliability.resetStorage());
      let initial: Uint8Array = new Uint8Array(STREAM_DISK.size);
      for (const [index, settled] of [100, 300].entries()) {
        const result = await runKillPoint({
          page: browser.page,
          reports,
          disk: 'persistent',
          create: index === 0,
          initial,
          point: { seed: 21 + index, timing: { settled } },
          kill: async () => {
            await browser.context.close();
            browser = await launch();
            return browser.page;
          },
        });
        expectRecovered(result, `browser closed after ${settled} ops`, true);
        initial = result.content;
      }
    } finally {
      await browser.context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
