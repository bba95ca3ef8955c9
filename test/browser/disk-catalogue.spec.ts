import { expect, test } from './driver/index.ts';
import { openHarness } from './harness/pages.ts';

test.describe('the disk catalogue and lifecycle', () => {
  test.beforeEach(async ({ page }) => {
    await openHarness(page);
    await page.evaluate(() => window.harness.resetStorage());
  });

  test('lists created disks with their records, deletes them, and reports storage use', async ({ page }) => {
    const result = await page.evaluate(async () => {
      const { qedisk, errorOf } = window.harness;
      const before = Date.now();
      for (const [name, size] of [['beta', 2 * 1024 * 1024], ['alpha', 1024 * 1024]] as const) {
        const disk = await qedisk.openDisk(name, { create: { size } });
        await disk.write(0, new Uint8Array(65536).fill(1));
        await disk.close();
      }
      const listed = await qedisk.listDisks();
      const estimate = await qedisk.storageEstimate();
      await qedisk.deleteDisk('beta');
      const afterDelete = (await qedisk.listDisks()).map((record) => record.name);
      const deleteMissing = await errorOf(() => qedisk.deleteDisk('beta'));
      const openDeleted = await errorOf(() => qedisk.openDisk('beta'));
      return { before, after: Date.now(), listed, estimate, afterDelete, deleteMissing, openDeleted };
    });
    expect(result.listed.map((record) => [record.name, record.size, record.base])).toEqual([
      ['alpha', 1024 * 1024, null],
      ['beta', 2 * 1024 * 1024, null],
    ]);
    for (const record of result.listed) {
      expect(record.createdAt).toBeGreaterThanOrEqual(result.before);
      expect(record.lastOpenedAt).toBeGreaterThanOrEqual(record.createdAt);
      expect(record.lastOpenedAt).toBeLessThanOrEqual(result.after);
    }
    expect(result.estimate.usage).toBeGreaterThan(0);
    expect(result.estimate.quota).toBeGreaterThan(result.estimate.usage);
    expect(result.afterDelete).toEqual(['alpha']);
    expect(result.deleteMissing).toMatchObject({ name: 'DiskNotFoundError', diskName: 'beta' });
    expect(result.openDeleted).toMatchObject({ name: 'DiskNotFoundError', diskName: 'beta' });
  });

  test('marks the image clean after a few idle seconds and on export, and sets need-check again on the next write', async ({ page }) => {
    await page.evaluate(async () => {
      const { qedisk, disks } = window.harness;
      const disk = await qedisk.openDisk('idle', { create: { size: 1024 * 1024 } });
      await disk.write(0, new Uint8Array(4096).fill(7));
      disks.set('idle', disk);
    });
    const needsCheck = (): Promise<boolean> => page.evaluate(async () => (await window.harness.kept('idle').info()).needsCheck);
    expect(await needsCheck()).toBe(true);
    await expect.poll(needsCheck, { timeout: 20_000, intervals: [500] }).toBe(false);
    const cycle = await page.evaluate(async () => {
      const disk = window.harness.kept('idle');
      await disk.write(65536, new Uint8Array(4096).fill(8));
      const dirty = (await disk.info()).needsCheck;
      await disk.exportFile();
      const afterExport = (await disk.info()).needsCheck;
      await disk.close();
      return { dirty, afterExport };
    });
    expect(cycle).toEqual({ dirty: true, afterExport: false });
  });
});
