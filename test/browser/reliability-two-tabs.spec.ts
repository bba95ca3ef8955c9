import { expect, test } from './driver/index.ts';
import { StreamReports, decodeBase64, freshHarnessPage, openReliabilityPage } from './reliability-harness/pages.ts';
import { STREAM_DISK, streamModel } from './reliability-harness/stream.ts';

const SEED = 41;
/** The writer's stream is stopped by the test long before this many ops. */
const WRITER_END = 1_000_000;

test.describe('two tabs on one disk', () => {
  test('the second tab is refused with DiskBusyError while the first writes, the data stays intact, and the second opens it once the first tab closes', async ({ page, context }) => {
    const reports = new StreamReports();
    await reports.attach(context);
    await openReliabilityPage(page);
    await page.evaluate(() => window.reliability.resetStorage());
    const progress = reports.track('writer', 0);
    await page.evaluate(
      async ({ seed, end, size }) => {
        const { keepOpen, kept, startStream } = window.reliability;
        await keepOpen('shared', { create: size });
        startStream('writer', kept('shared'), seed, { first: 0, end, window: 8 });
      },
      { seed: SEED, end: WRITER_END, size: { ...STREAM_DISK } },
    );
    await progress.whenSettled(50);
    const settledBeforeAttempts = progress.count;

    const second = await freshHarnessPage(page);
    const attempts = await second.evaluate(async () => {
      const { qedisk, errorOf } = window.reliability;
      const rounds = [];
      for (let round = 0; round < 3; round++) {
        rounds.push({
          open: await errorOf(() => qedisk.openDisk('shared')),
          openReadOnly: await errorOf(() => qedisk.openDisk('shared', { readOnly: true })),
          openOrCreate: await errorOf(() => qedisk.openDisk('shared', { create: { size: 65536 } })),
          remove: await errorOf(() => qedisk.deleteDisk('shared')),
          importOver: await errorOf(() => qedisk.importDisk('shared', new Blob([new Uint8Array(512).fill(1)]))),
        });
      }
      return { rounds, listed: (await qedisk.listDisks()).map((record) => record.name) };
    });
    for (const [round, outcome] of attempts.rounds.entries()) {
      for (const [call, error] of Object.entries(outcome)) {
        expect(error, `round ${round}, ${call}`).toMatchObject({ name: 'DiskBusyError', isQedError: true });
      }
    }
    expect(attempts.listed).toEqual(['shared']);

    // The first tab kept writing through all of that, and goes on.
    const settledAfterAttempts = progress.count;
    expect(progress.ended).toBeNull();
    expect(settledAfterAttempts).toBeGreaterThan(settledBeforeAttempts);
    await progress.whenSettled(settledAfterAttempts + 50);
    expect(progress.ended).toBeNull();
    const sent = await page.evaluate(() => window.reliability.stopStream('writer'));
    expect(progress.failures).toEqual([]);
    const expected = streamModel(new Uint8Array(STREAM_DISK.size), SEED, 0, sent);
    const firstTab = await page.evaluate(async () => {
      const { kept, readWhole, toBase64 } = window.reliability;
      return { content: toBase64(await readWhole(kept('shared'))), check: await kept('shared').check() };
    });
    expect(Buffer.compare(decodeBase64(firstTab.content), expected), 'the first tab reads back every write').toBe(0);
    expect(firstTab.check).toMatchObject({ corruptions: 0, checkErrors: 0 });

    // The first tab goes away without closing the disk; the second tab may then open it.
    await page.close();
    const taken = await second.evaluate(async () => {
      const { qedisk, readWhole, toBase64 } = window.reliability;
      const disk = await qedisk.openDisk('shared');
      const content = toBase64(await readWhole(disk));
      const check = await disk.check();
      await disk.write(0, new Uint8Array(512).fill(7));
      await disk.close();
      return { content, check };
    });
    expect(Buffer.compare(decodeBase64(taken.content), expected), 'the second tab reads what the first wrote').toBe(0);
    expect(taken.check).toMatchObject({ corruptions: 0, checkErrors: 0 });
    console.log(`reliability-two-tabs: ${attempts.rounds.length * 5} refused calls while ${settledAfterAttempts - settledBeforeAttempts} ops completed, ${sent} ops in all; ${expected.byteLength * 2} guest bytes verified`);
  });
});
