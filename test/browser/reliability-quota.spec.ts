import { expect, test } from '@playwright/test';
import type { CheckReport } from '../../src/engine/types.ts';
import type { OpOutcome } from './reliability-harness/streams.ts';
import { qemuCheck } from './reliability-harness/oracle.ts';
import { type OutcomeTally, judgeOutcomes } from './reliability-harness/outcomes.ts';
import { decodeBase64, openReliabilityPage } from './reliability-harness/pages.ts';
import { STREAM_DISK } from './reliability-harness/stream.ts';

/** Ops before the limit, under it, and after space is freed (stream indexes). */
const PHASES = { filled: 60, limited: 160, resumed: 240 } as const;

/** What a page run of the three phases returns. */
interface QuotaRun {
  filled: OpOutcome[];
  limited: OpOutcome[];
  resumed: OpOutcome[];
  /** `check()` after the limited phase, after the resumed phase, and after reopening. */
  checks: CheckReport[];
  /** Guest bytes at the end (base64), and after closing and reopening. */
  content: string;
  reopened: string;
  /** The `.qed` file at the end (base64). */
  exported: string;
}

/** Judges a run of stream `seed` op by op and as a whole; returns the tally of the limited phase. */
function expectConsistent(run: QuotaRun, seed: number): { limited: OutcomeTally; resumed: OutcomeTally } {
  const model = new Uint8Array(STREAM_DISK.size);
  expect(judgeOutcomes(model, seed, run.filled, []).problems).toEqual([]);
  const limited = judgeOutcomes(model, seed, run.limited, ['QedQuotaError']);
  expect(limited.problems).toEqual([]);
  expect(limited.failed, 'writes that hit the quota').toBeGreaterThan(0);
  expect(limited.succeededAfterFailure, 'writes that needed no new space went on').toBeGreaterThan(0);
  const resumed = judgeOutcomes(model, seed, run.resumed, []);
  expect(resumed.problems).toEqual([]);
  for (const check of run.checks) expect(check).toMatchObject({ corruptions: 0, checkErrors: 0 });
  expect(Buffer.compare(decodeBase64(run.content), model), 'the disk holds every write that succeeded').toBe(0);
  expect(Buffer.compare(decodeBase64(run.reopened), model), 'and still does after closing and reopening').toBe(0);
  const qemu = qemuCheck(decodeBase64(run.exported));
  expect([0, 3], `qemu-img check (0 clean, 3 leaks only)\n${qemu.output}`).toContain(qemu.status);
  return { limited, resumed };
}

/** One line for the log. */
function summary(name: string, run: QuotaRun, tally: { limited: OutcomeTally; resumed: OutcomeTally }): string {
  const { limited, resumed } = tally;
  return (
    `${name}: ${limited.failed} of ${run.limited.length} ops hit the quota (${limited.partlyApplied} partly applied), ` +
    `${limited.succeededAfterFailure} succeeded after a failure, ${resumed.succeeded} after space was freed; ` +
    `leaks ${run.checks.map((check) => check.leaks).join('/')}; ${STREAM_DISK.size * 2} guest bytes verified`
  );
}

test.describe('a full quota in the middle of a stream of writes', () => {
  test('fails allocating writes with QedQuotaError at an injected limit, keeps the image consistent, and resumes once the limit is lifted', async ({ page }) => {
    const seed = 51;
    await openReliabilityPage(page);
    const run: QuotaRun = await page.evaluate(
      async ({ seed, phases, size, headroom }) => {
        const { keepOpen, kept, runWithReadBack, setQuotaLimitForTesting, readWhole, toBase64, qedisk, resetStorage } = window.reliability;
        await resetStorage();
        await keepOpen('quota', { create: size });
        const disk = kept('quota');
        const filled = await runWithReadBack(disk, seed, 0, phases.filled);
        const limit = (await disk.info()).physicalSize + headroom;
        await setQuotaLimitForTesting(disk, limit);
        const limited = await runWithReadBack(disk, seed, phases.filled, phases.limited);
        if ((await disk.info()).physicalSize > limit) throw new Error('the file grew past the injected limit');
        const checks = [await disk.check()];
        await setQuotaLimitForTesting(disk, null);
        const resumed = await runWithReadBack(disk, seed, phases.limited, phases.resumed);
        checks.push(await disk.check());
        const content = toBase64(await readWhole(disk));
        await disk.close();
        const again = await qedisk.openDisk('quota');
        const reopened = toBase64(await readWhole(again));
        checks.push(await again.check());
        const exported = toBase64(new Uint8Array(await (await again.exportFile()).arrayBuffer()));
        await again.close();
        return { filled, limited, resumed, checks, content, reopened, exported };
      },
      // A few clusters of room past the file's size: then every write that allocates fails.
      { seed, phases: PHASES, size: { ...STREAM_DISK }, headroom: 6 * STREAM_DISK.clusterSize },
    );
    console.log(summary('reliability-quota (injected limit)', run, expectConsistent(run, seed)));
  });

  test("fails allocating writes with QedQuotaError at the origin's real quota, and resumes once another disk is deleted", async ({ page, context, baseURL }) => {
    // The quota is set mid-test through Chromium's DevTools protocol. Firefox's equivalent (a
    // profile with a fixed limit, the driver's launchPersistent quotaBytes) must be known at launch,
    // so this case needs its own Firefox version; the injected-limit case above runs in both.
    test.skip(test.info().project.name !== 'chromium', 'sets the quota through CDP (Chromium only); the Firefox version with a profile quota is not written yet');
    const seed = 52;
    await openReliabilityPage(page);
    await page.evaluate(
      async ({ size }) => {
        const { keepOpen, kept, resetStorage, closeKept } = window.reliability;
        await resetStorage();
        // Another disk holding 6 MiB of data: deleting it is what frees the space later.
        await keepOpen('filler', { create: { size: 8 * 1024 * 1024 } });
        for (let at = 0; at < 6 * 1024 * 1024; at += 1024 * 1024) await kept('filler').write(at, new Uint8Array(1024 * 1024).fill(0xf1));
        await closeKept('filler');
        await keepOpen('quota', { create: size });
      },
      { size: { ...STREAM_DISK } },
    );
    const filled = await page.evaluate(({ seed, end }) => window.reliability.runWithReadBack(window.reliability.kept('quota'), seed, 0, end), { seed, end: PHASES.filled });
    // Chromium's DevTools protocol sets the origin's quota: 256 KiB past what it uses now.
    const cdp = await context.newCDPSession(page);
    const origin = new URL(baseURL ?? page.url()).origin;
    const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage + 256 * 1024 });
    let run: QuotaRun;
    try {
      run = await page.evaluate(
        async ({ seed, phases, filled }) => {
          const { kept, runWithReadBack, readWhole, toBase64, qedisk } = window.reliability;
          const disk = kept('quota');
          const limited = await runWithReadBack(disk, seed, phases.filled, phases.limited);
          const checks = [await disk.check()];
          await qedisk.deleteDisk('filler');
          const resumed = await runWithReadBack(disk, seed, phases.limited, phases.resumed);
          checks.push(await disk.check());
          const content = toBase64(await readWhole(disk));
          await disk.close();
          const again = await qedisk.openDisk('quota');
          const reopened = toBase64(await readWhole(again));
          checks.push(await again.check());
          const exported = toBase64(new Uint8Array(await (await again.exportFile()).arrayBuffer()));
          await again.close();
          return { filled, limited, resumed, checks, content, reopened, exported };
        },
        { seed, phases: PHASES, filled },
      );
    } finally {
      await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    }
    console.log(summary('reliability-quota (real quota)', run, expectConsistent(run, seed)));
  });
});
