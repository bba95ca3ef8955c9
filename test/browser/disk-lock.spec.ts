import { expect, test } from './driver/index.ts';
import { openHarness } from './harness/pages.ts';

test.describe('one tab at a time per disk', () => {
  test('a second tab opening the same disk gets DiskBusyError, and the first tab keeps working', async ({ page, context }) => {
    await openHarness(page);
    await page.evaluate(async () => {
      const { qedisk, model, resetStorage, disks } = window.harness;
      await resetStorage();
      const disk = await qedisk.openDisk('shared', { create: { size: 1024 * 1024 } });
      await disk.write(0, model.patternBytes(4096, 1));
      disks.set('shared', disk);
    });

    const second = await context.newPage();
    await openHarness(second);
    const refused = await second.evaluate(async () => {
      const { qedisk, errorOf } = window.harness;
      return { open: await errorOf(() => qedisk.openDisk('shared')), remove: await errorOf(() => qedisk.deleteDisk('shared')) };
    });
    expect(refused.open).toMatchObject({ name: 'DiskBusyError', diskName: 'shared', isQedError: true });
    expect(refused.remove).toMatchObject({ name: 'DiskBusyError', diskName: 'shared', isQedError: true });

    const firstTab = await page.evaluate(async () => {
      const { model, kept, qedisk, errorOf } = window.harness;
      const disk = kept('shared');
      await disk.write(8192, model.patternBytes(4096, 2));
      const back = await disk.read(0, 12288);
      const expected = new Uint8Array(12288);
      expected.set(model.patternBytes(4096, 1), 0);
      expected.set(model.patternBytes(4096, 2), 8192);
      const sameTabAgain = await errorOf(() => qedisk.openDisk('shared'));
      await disk.close();
      return { difference: model.firstDifference(back, expected), sameTabAgain };
    });
    expect(firstTab.difference).toBe(-1);
    expect(firstTab.sameTabAgain).toMatchObject({ name: 'DiskBusyError', diskName: 'shared' });

    const afterClose = await second.evaluate(async () => {
      const { qedisk, model } = window.harness;
      const disk = await qedisk.openDisk('shared');
      const back = await disk.read(8192, 4096);
      await disk.close();
      return model.firstDifference(back, model.patternBytes(4096, 2));
    });
    expect(afterClose).toBe(-1);
  });
});
