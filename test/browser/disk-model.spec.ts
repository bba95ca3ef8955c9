import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './driver/index.ts';
import { MODEL_DISK as DISK, MODEL_OP_COUNT as OP_COUNT, MODEL_SEED as SEED } from './harness/model-disk.ts';
import { buildModel, firstDifference, generateOps } from './harness/model-ops.ts';
import { openHarness } from './harness/pages.ts';

test.describe('Disk against a byte-array model', () => {
  test('matches the model through page, worker, engine and OPFS, across a reload, and exports a file qemu-img accepts', async ({ page }) => {
    await openHarness(page);
    const mismatches = await page.evaluate(({ disk, seed, count }) => window.harness.runModelOnNewDisk(disk, seed, count), { disk: DISK, seed: SEED, count: OP_COUNT });
    expect(mismatches).toEqual([]);

    // Reload without closing the disk: the new page waits for the old page's lock and handle.
    await openHarness(page, { reload: true });
    const downloaded = page.waitForEvent('download');
    const afterReload = await page.evaluate(
      async ({ disk: spec, seed, count }) => {
        const { qedisk, model, compareWholeDisk, download } = window.harness;
        const disk = await qedisk.openDisk(spec.name);
        const expected = model.buildModel(spec.size, model.generateOps(seed, spec.size, count));
        const difference = await compareWholeDisk(disk, expected);
        const check = await disk.check();
        const info = await disk.info();
        const listed = await qedisk.listDisks();
        const file = await disk.exportFile();
        download(file);
        await disk.close();
        return { size: disk.size, difference, check, info, listed: listed.map((record) => [record.name, record.size]), fileName: file.name };
      },
      { disk: DISK, seed: SEED, count: OP_COUNT },
    );
    expect(afterReload.size).toBe(DISK.size);
    expect(afterReload.info.clusterSize).toBe(DISK.clusterSize);
    expect(afterReload.difference).toBe(-1);
    expect(afterReload.check.corruptions).toBe(0);
    expect(afterReload.check.checkErrors).toBe(0);
    expect(afterReload.listed).toEqual([[DISK.name, DISK.size]]);
    expect(afterReload.fileName).toBe(`${DISK.name}.qed`);

    const directory = mkdtempSync(join(tmpdir(), 'qedisk-export-'));
    try {
      const qedPath = join(directory, 'model.qed');
      const rawPath = join(directory, 'model.raw');
      await (await downloaded).saveAs(qedPath);
      // Exits non-zero on corruption or leaks; the exported image was marked clean first.
      const report = execFileSync('qemu-img', ['check', '-f', 'qed', qedPath], { encoding: 'utf8' });
      expect(report).toContain('No errors were found');
      execFileSync('qemu-img', ['convert', '-f', 'qed', '-O', 'raw', qedPath, rawPath]);
      const expected = buildModel(DISK.size, generateOps(SEED, DISK.size, OP_COUNT));
      expect(firstDifference(new Uint8Array(readFileSync(rawPath)), expected)).toBe(-1);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
