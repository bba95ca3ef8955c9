/**
 * Issue 19 in the browser: a damaged QED image (fuzz case 782003348314, whose references point
 * far past the end of the file) takes no more storage than QEMU's file after the same write.
 */
import { DANGLING_GROWTH_CASE as CASE, damagedImage } from '../fuzz/regression-cases.ts';
import { expect, test } from './driver/index.ts';
import { openHarness } from './harness/pages.ts';

test('a damaged image is refused by importDisk and leaves no file; put in place of a disk\'s file and written to, it grows no more than QEMU\'s file', async ({ page }) => {
  const image = damagedImage(CASE);
  await openHarness(page);
  const result = await page.evaluate(
    async ({ encoded, offset, length, fill }) => {
      const { qedisk, resetStorage, fromBase64, errorOf } = window.harness;
      await resetStorage();
      const bytes = fromBase64(encoded);
      const refused = await errorOf(() => qedisk.importDisk('imported', new Blob([bytes])));
      const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle('qedisk', { create: true });
      const left: string[] = [];
      for await (const [name] of folder.entries()) left.push(name);
      // A disk whose file was damaged in storage: the damaged bytes written over a closed disk's file.
      await (await qedisk.openDisk('damaged', { create: { size: 6 * 1024 * 1024 } })).close();
      const writable = await (await folder.getFileHandle('damaged.qed')).createWritable();
      await writable.write(bytes);
      await writable.close();
      const disk = await qedisk.openDisk('damaged');
      await disk.write(offset, new Uint8Array(length).fill(fill));
      const back = await disk.read(offset, length);
      const readsBack = back.every((byte) => byte === fill);
      await disk.close();
      const fileBytes = (await (await folder.getFileHandle('damaged.qed')).getFile()).size;
      return { refused: refused?.name ?? null, left, fileBytes, readsBack };
    },
    { encoded: Buffer.from(image).toString('base64'), offset: CASE.writeOffset, length: CASE.writeBytes, fill: CASE.writeFill },
  );
  console.log(`damaged image in OPFS: ${image.byteLength} bytes, ${result.fileBytes} after the write (QEMU's file: ${CASE.qemuSizeAfterWrite})`);
  expect(result.refused).toBe('QedCorruptionError');
  expect(result.left).toEqual([]);
  expect(result.readsBack).toBe(true);
  expect(result.fileBytes).toBeGreaterThan(image.byteLength);
  expect(result.fileBytes).toBeLessThanOrEqual(CASE.qemuSizeAfterWrite);
});
