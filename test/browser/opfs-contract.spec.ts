import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './driver/index.ts';
import { syncFileContract } from '../contract/sync-file-contract.ts';
import { openHarness } from './harness/pages.ts';

test.describe('OpfsFile', () => {
  // A profile on disk, as users have: Playwright's default contexts are incognito-like, and their
  // in-memory OPFS cannot hold files past 2 GiB, which the contract's 5 GiB case needs.
  test('passes every case of the SyncFile contract on OPFS sync access handles', async ({ launchPersistent }) => {
    const profile = mkdtempSync(join(tmpdir(), 'qedisk-profile-'));
    const context = await launchPersistent(profile);
    try {
      const page = await context.newPage();
      await openHarness(page);
      const outcomes = await page.evaluate(async () => {
        await window.harness.resetStorage();
        return window.harness.runContract();
      });
      expect(outcomes.filter((outcome) => !outcome.passed)).toEqual([]);
      expect(outcomes.map((outcome) => outcome.name)).toEqual(syncFileContract.map((contractCase) => contractCase.name));
      expect(outcomes).toHaveLength(syncFileContract.length);
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
