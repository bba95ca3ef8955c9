import { expect, test } from '@playwright/test';
import { openHarness } from './harness/pages.ts';

test.describe('buffers between page and worker', () => {
  test('moves whole-buffer writes and read results instead of copying, and copies views of larger buffers', async ({ page }) => {
    await openHarness(page);
    const result = await page.evaluate(async () => {
      const { qedisk, model, resetStorage } = window.harness;
      await resetStorage();
      const disk = await qedisk.openDisk('transfer', { create: { size: 1024 * 1024 } });
      const whole = model.patternBytes(8192, 1);
      const pending = disk.write(0, whole);
      const detachedAtOnce = whole.byteLength === 0;
      await pending;
      const parent = model.patternBytes(16384, 2);
      await disk.write(65536, parent.subarray(4096, 8192));
      const back = await disk.read(0, 8192);
      const view = await disk.read(65536, 4096);
      await disk.close();
      return {
        detachedAtOnce,
        parentIntact: model.firstDifference(parent, model.patternBytes(16384, 2)),
        readOwnsItsBuffer: back.byteOffset === 0 && back.buffer.byteLength === 8192,
        backDifference: model.firstDifference(back, model.patternBytes(8192, 1)),
        viewDifference: model.firstDifference(view, model.patternBytes(16384, 2).subarray(4096, 8192)),
      };
    });
    expect(result).toEqual({ detachedAtOnce: true, parentIntact: -1, readOwnsItsBuffer: true, backDifference: -1, viewDifference: -1 });
  });
});
