import { expect, test } from './driver/index.ts';
import { openHarness } from './harness/pages.ts';

test.describe('buffers between page and worker', () => {
  test('write copies the caller’s bytes by default and moves them only with { transfer: true }; reads belong to the caller', async ({ page }) => {
    await openHarness(page);
    const result = await page.evaluate(async () => {
      const { qedisk, model, resetStorage, errorOf } = window.harness;
      await resetStorage();
      const disk = await qedisk.openDisk('transfer', { create: { size: 1024 * 1024 } });
      // Default: copied at once. The caller reuses its buffer straight away, as a streaming import does.
      const reused = model.patternBytes(8192, 1);
      const firstWrite = disk.write(0, reused);
      const keptAfterWrite = reused.byteLength === 8192;
      reused.fill(0xee);
      const secondWrite = disk.write(8192, reused);
      await Promise.all([firstWrite, secondWrite]);
      // Opt-in: moved, detached at once.
      const moved = model.patternBytes(4096, 3);
      const pendingMove = disk.write(65536, moved, { transfer: true });
      const detachedAtOnce = moved.byteLength === 0;
      await pendingMove;
      const parent = model.patternBytes(16384, 2);
      const partialTransfer = await errorOf(() => disk.write(131072, parent.subarray(4096, 8192), { transfer: true }));
      // Reads: each a buffer of its own; changing it changes neither the disk nor another read.
      const back = await disk.read(0, 8192);
      const again = await disk.read(0, 8192);
      back.fill(0);
      const afterChange = await disk.read(0, 8192);
      const result = {
        keptAfterWrite,
        firstDifference: model.firstDifference(again, model.patternBytes(8192, 1)),
        secondDifference: model.firstDifference(await disk.read(8192, 8192), new Uint8Array(8192).fill(0xee)),
        detachedAtOnce,
        movedDifference: model.firstDifference(await disk.read(65536, 4096), model.patternBytes(4096, 3)),
        partialTransfer,
        parentIntact: model.firstDifference(parent, model.patternBytes(16384, 2)),
        readSpansItsBuffer: back.byteOffset === 0 && back.buffer.byteLength === 8192,
        readsShareNoBuffer: back.buffer !== again.buffer,
        diskUnchangedByCallerEdit: model.firstDifference(afterChange, model.patternBytes(8192, 1)),
      };
      await disk.close();
      return result;
    });
    expect(result).toEqual({
      keptAfterWrite: true,
      firstDifference: -1,
      secondDifference: -1,
      detachedAtOnce: true,
      movedDifference: -1,
      partialTransfer: expect.objectContaining({ name: 'QedArgumentError', isQedError: true }),
      parentIntact: -1,
      readSpansItsBuffer: true,
      readsShareNoBuffer: true,
      diskUnchangedByCallerEdit: -1,
    });
  });
});
