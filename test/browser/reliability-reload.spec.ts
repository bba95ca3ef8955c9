import { type Page, expect, test } from './driver/index.ts';
import { type KillPoint, STREAM_END, runKillPoint } from './reliability-harness/kill-run.ts';
import { RELIABILITY_PATH, StreamReports, openReliabilityPage } from './reliability-harness/pages.ts';
import { STREAM_DISK } from './reliability-harness/stream.ts';

/** Reloads the page (its disk worker dies with the old document) and waits for the new harness. */
async function reload(page: Page): Promise<Page> {
  await page.reload();
  expect(new URL(page.url()).pathname).toBe(RELIABILITY_PATH);
  await page.waitForFunction(() => window.reliability !== undefined);
  return page;
}

test.describe('a reload while writes are in flight', () => {
  test('leaves a disk that the reloaded page opens (once the old handle is let go), checks clean, and holds every completed write', async ({ page, context }) => {
    const reports = new StreamReports();
    await reports.attach(context);
    await openReliabilityPage(page);
    await page.evaluate(() => window.reliability.resetStorage());
    const points: Array<{ point: KillPoint; label: string }> = [
      { point: { seed: 31, timing: { settled: 30 } }, label: 'reload after 30 ops' },
      { point: { seed: 32, timing: { burst: 250 } }, label: 'reload right after sending 250 ops at once' },
      { point: { seed: 33, timing: { settled: 250 } }, label: 'reload after 250 ops' },
    ];
    let initial: Uint8Array = new Uint8Array(STREAM_DISK.size);
    let bytesVerified = 0;
    for (const [index, { point, label }] of points.entries()) {
      // The reopen in `runKillPoint` happens right after the reload: the old page's lock and
      // OPFS handle may still be held for a moment, and `openDisk` must wait for them, not fail.
      const result = await runKillPoint({ page, reports, disk: 'reloaded', create: index === 0, initial, point, kill: reload });
      expect(result.failures, label).toEqual([]);
      expect(result.verdict.problems, label).toEqual([]);
      expect(result.verdict.prefix, label).toBeGreaterThanOrEqual(result.known.settled);
      if ('settled' in point.timing) {
        expect(result.streamEnded, `${label}: the stream was still running`).toBe(false);
        expect(result.verdict.prefix, label).toBeLessThan(STREAM_END);
      }
      for (const report of [result.inspection.checkBefore, result.inspection.checkAfter]) {
        expect(report.corruptions, label).toBe(0);
        expect(report.checkErrors, label).toBe(0);
      }
      expect(result.inspection.needsCheckAfter, label).toBe(false);
      expect([0, 3], `${label}: qemu-img check\n${result.qemuOutput}`).toContain(result.qemuStatus);
      initial = result.content;
      bytesVerified += result.verdict.bytesVerified;
    }
    console.log(`reliability-reload: ${points.length} reloads mid-stream, ${bytesVerified} guest bytes verified`);

    // The reloaded page owns the disk now: a flushed write of its own survives the next reload too.
    await page.evaluate(async () => {
      const { keepOpen, kept } = window.reliability;
      await keepOpen('reloaded');
      await kept('reloaded').write(4096, new Uint8Array(8192).fill(0x5a));
      await kept('reloaded').flush();
    });
    await reload(page);
    const written = await page.evaluate(async () => {
      const { qedisk, readWhole, toBase64 } = window.reliability;
      const disk = await qedisk.openDisk('reloaded');
      const bytes = await readWhole(disk);
      await disk.close();
      return toBase64(bytes);
    });
    const expected = initial.slice();
    expected.fill(0x5a, 4096, 4096 + 8192);
    expect(Buffer.compare(Buffer.from(written, 'base64'), expected)).toBe(0);
  });
});
