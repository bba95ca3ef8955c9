import { expect, test } from '@playwright/test';
import { openHarness } from './harness/pages.ts';

test.describe('a full quota during a write', () => {
  test('reaches the page as QedQuotaError, leaves the image consistent, and writes resume once space is back', async ({ page }) => {
    await openHarness(page);
    const result = await page.evaluate(async () => {
      const { qedisk, model, errorOf, resetStorage, setQuotaLimitForTesting } = window.harness;
      await resetStorage();
      // 4 KiB clusters, 2-cluster tables: one L2 table covers 4 MiB.
      const disk = await qedisk.openDisk('quota', { create: { size: 16 * 1024 * 1024, clusterSize: 4096, tableSize: 2 } });
      await disk.write(0, model.patternBytes(4096, 1));
      const physical = (await disk.info()).physicalSize;

      // No room for the data cluster of a write into an existing table.
      await setQuotaLimitForTesting(disk, physical);
      const dataFull = await errorOf(() => disk.write(65536, model.patternBytes(4096, 2)));
      const dataFullRead = await disk.read(65536, 4096);
      const checkAfterData = await disk.check();

      // Room for the data cluster but not for the new L2 table a write past 4 MiB needs.
      await setQuotaLimitForTesting(disk, physical + 4096);
      const tableFull = await errorOf(() => disk.write(8 * 1024 * 1024, model.patternBytes(4096, 3)));
      const tableFullRead = await disk.read(8 * 1024 * 1024, 4096);
      const checkAfterTable = await disk.check();

      await setQuotaLimitForTesting(disk, null);
      await disk.write(65536, model.patternBytes(4096, 2));
      await disk.write(8 * 1024 * 1024, model.patternBytes(4096, 3));
      const back = [await disk.read(0, 4096), await disk.read(65536, 4096), await disk.read(8 * 1024 * 1024, 4096)];
      const differences = back.map((bytes, index) => model.firstDifference(bytes, model.patternBytes(4096, index + 1)));
      const checkAfterResume = await disk.check();
      await disk.close();
      return {
        dataFull,
        tableFull,
        dataFullReadIsZero: dataFullRead.every((byte) => byte === 0),
        tableFullReadIsZero: tableFullRead.every((byte) => byte === 0),
        checks: [checkAfterData, checkAfterTable, checkAfterResume],
        differences,
      };
    });
    expect(result.dataFull).toMatchObject({ name: 'QedQuotaError', isQedError: true });
    expect(result.tableFull).toMatchObject({ name: 'QedQuotaError', isQedError: true });
    expect(result.dataFullReadIsZero).toBe(true);
    expect(result.tableFullReadIsZero).toBe(true);
    for (const check of result.checks) {
      expect(check.corruptions).toBe(0);
      expect(check.checkErrors).toBe(0);
    }
    // The second failure hit the table write: its data cluster was written but is referenced by nothing (a harmless leak).
    expect(result.checks[0]?.leaks).toBe(0);
    expect(result.checks[1]?.leaks).toBe(1);
    expect(result.differences).toEqual([-1, -1, -1]);
  });
});
