import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Download, expect, test } from './driver/index.ts';
import { baseBytes } from './harness/base-model.ts';
import { applyToModel, firstDifference, generateOps } from './harness/model-ops.ts';
import { openHarness } from './harness/pages.ts';

/** 8 MiB bases with 4 KiB clusters and 2-cluster tables in the overlays, so requests cross tables. */
const SIZE = 8 * 1024 * 1024;
const SEED = 515;
const OVERLAY = { clusterSize: 4096, tableSize: 2 };
const OP_COUNT = 300;

/** The base's bytes after the workload of `seed` (what an overlay on it shows). */
function expectedAfterOps(seed: number): Uint8Array {
  const model = baseBytes(SIZE, SEED);
  for (const op of generateOps(seed, SIZE, OP_COUNT)) applyToModel(model, op);
  return model;
}

test.describe('an overlay on a base disk in OPFS', () => {
  test.beforeEach(async ({ page }) => {
    await openHarness(page);
    await page.evaluate(() => window.harness.resetStorage());
  });

  test('on a QED disk: reads the base, keeps its own writes against a model through a reload, and protects the base', async ({ page }) => {
    const first = await page.evaluate(
      async ({ size, seed, overlay, count }) => {
        const { qedisk, model, baseBytes, runOps, compareWholeDisk, errorOf } = window.harness;
        const base = await qedisk.openDisk('base', { create: { size } });
        const baseModel = baseBytes(size, seed);
        await base.write(0, baseModel.slice());
        await base.close();
        const disk = await qedisk.openDisk('over', { create: { base: { kind: 'opfs', name: 'base' }, ...overlay } });
        const pristine = await compareWholeDisk(disk, baseModel);
        const mismatches = await runOps(disk, baseModel.slice(), model.generateOps(seed + 1, size, count));
        const baseWhileOpen = await errorOf(() => qedisk.openDisk('base'));
        const deleteWhileOpen = await errorOf(() => qedisk.deleteDisk('base'));
        const info = await disk.info();
        // Left open: the reload must wait for this page's locks and handles.
        return { size: disk.size, pristine, mismatches, baseWhileOpen, deleteWhileOpen, info };
      },
      { size: SIZE, seed: SEED, overlay: OVERLAY, count: OP_COUNT },
    );
    expect(first.size).toBe(SIZE);
    expect(first.pristine).toBe(-1);
    expect(first.mismatches).toEqual([]);
    expect(first.baseWhileOpen).toMatchObject({ name: 'DiskBusyError', diskName: 'base' });
    expect(first.deleteWhileOpen).toMatchObject({ name: 'DiskBusyError', diskName: 'base' });
    expect(first.info).toMatchObject({ backingFile: 'base.qed', backingFormat: 'probe', clusterSize: OVERLAY.clusterSize, remoteBase: null });
    expect(first.info.chain?.map((level) => [level.name, level.kind])).toEqual([['base.qed', 'disk']]);
    expect(first.info.chain?.[0]?.reads).toBeGreaterThan(0);

    await openHarness(page, { reload: true });
    const expected = expectedAfterOps(SEED + 1);
    const second = await page.evaluate(
      async ({ size, seed }) => {
        const { qedisk, model, baseBytes, compareWholeDisk, errorOf } = window.harness;
        const disk = await qedisk.openDisk('over');
        const expectedBytes = baseBytes(size, seed);
        for (const op of model.generateOps(seed + 1, size, 300)) model.applyToModel(expectedBytes, op);
        const difference = await compareWholeDisk(disk, expectedBytes);
        const check = await disk.check();
        const map = await disk.map();
        await disk.close();
        const base = await qedisk.openDisk('base', { readOnly: true });
        const baseDifference = await compareWholeDisk(base, baseBytes(size, seed));
        await base.close();
        const deleteUsedBase = await errorOf(() => qedisk.deleteDisk('base'));
        const records = await qedisk.listDisks();
        return { difference, check, map, baseDifference, deleteUsedBase, records };
      },
      { size: SIZE, seed: SEED },
    );
    expect(expected.byteLength).toBe(SIZE);
    expect(second.difference).toBe(-1);
    expect(second.check.corruptions).toBe(0);
    expect(second.map.some((extent) => extent.kind === 'unallocated' && extent.fromBacking === true)).toBe(true);
    expect(second.baseDifference).toBe(-1);
    expect(second.deleteUsedBase).toMatchObject({ name: 'DiskInUseError', diskName: 'base' });
    expect(second.records.map((record) => [record.name, record.base])).toEqual([
      ['base', null],
      ['over', 'base.qed'],
    ]);
  });

  test('on a raw base: names it with the raw bit, exports an overlay QEMU opens next to the base, and a flattened image identical to it', async ({ page }) => {
    const directory = mkdtempSync(join(tmpdir(), 'qedisk-base-'));
    try {
      const downloads: Download[] = [];
      page.on('download', (item) => downloads.push(item));
      const before = await page.evaluate(
        async ({ size, seed, overlay, count }) => {
          const { qedisk, model, baseBytes, runOps } = window.harness;
          const baseModel = baseBytes(size, seed);
          const imported = await qedisk.importDisk('rawbase', new Blob([baseModel]), { keepRaw: true });
          const openRaw = await window.harness.errorOf(() => qedisk.openDisk('rawbase'));
          const disk = await qedisk.openDisk('over', { create: { base: { kind: 'opfs', name: 'rawbase' }, ...overlay } });
          const mismatches = await runOps(disk, baseModel.slice(), model.generateOps(seed + 2, size, count));
          return { imported, openRaw, mismatches }; // left open: the reload waits for its lock
        },
        { size: SIZE, seed: SEED, overlay: OVERLAY, count: OP_COUNT },
      );
      await openHarness(page, { reload: true });
      const after = await page.evaluate(
        async ({ size, seed, count }) => {
          const { qedisk, model, baseBytes, compareWholeDisk, download } = window.harness;
          const disk = await qedisk.openDisk('over');
          const expected = baseBytes(size, seed);
          for (const op of model.generateOps(seed + 2, size, count)) model.applyToModel(expected, op);
          const difference = await compareWholeDisk(disk, expected);
          const info = await disk.info();
          const progress: Array<{ done: number; total: number }> = [];
          const flat = await disk.exportFlattened((update) => progress.push(update));
          download(flat);
          const overlayFile = await disk.exportFile();
          download(overlayFile);
          await disk.close();
          const listed = (await qedisk.listDisks()).map((record) => [record.name, record.format]);
          return { info, progress, flatName: flat.name, difference, listed };
        },
        { size: SIZE, seed: SEED, count: OP_COUNT },
      );
      const result = { ...before, ...after };
      expect(result.imported).toMatchObject({ name: 'rawbase', size: SIZE, format: 'raw' });
      expect(result.openRaw).toMatchObject({ name: 'QedArgumentError' });
      expect(result.mismatches).toEqual([]);
      expect(result.difference).toBe(-1);
      expect(result.info).toMatchObject({ backingFile: 'rawbase.raw', backingFormat: 'raw' });
      expect(result.listed).toEqual([
        ['over', 'qed'],
        ['rawbase', 'raw'],
      ]);
      expect(result.progress.at(-1)).toEqual({ done: SIZE, total: SIZE });
      expect(result.flatName).toBe('over-flat.qed');

      const basePath = join(directory, 'rawbase.raw');
      const overlayPath = join(directory, 'over.qed');
      const flatPath = join(directory, 'flat.qed');
      writeFileSync(basePath, baseBytes(SIZE, SEED));
      await expect.poll(() => downloads.length).toBe(2);
      const saved = new Map(downloads.map((item) => [item.suggestedFilename(), item]));
      await saved.get('over.qed')?.saveAs(overlayPath);
      await saved.get('over-flat.qed')?.saveAs(flatPath);
      const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', overlayPath], { encoding: 'utf8' })) as Record<string, unknown>;
      expect(info['backing-filename']).toBe('rawbase.raw');
      expect(info['backing-filename-format']).toBe('raw');
      expect(execFileSync('qemu-img', ['check', '-f', 'qed', overlayPath], { encoding: 'utf8' })).toContain('No errors were found');
      expect(execFileSync('qemu-img', ['check', '-f', 'qed', flatPath], { encoding: 'utf8' })).toContain('No errors were found');
      // Exits 0 only when the overlay (read through the base) and the flattened image are identical.
      expect(execFileSync('qemu-img', ['compare', '-f', 'qed', '-F', 'qed', overlayPath, flatPath], { encoding: 'utf8' })).toContain('Images are identical');
      const flatRaw = join(directory, 'flat.raw');
      execFileSync('qemu-img', ['convert', '-f', 'qed', '-O', 'raw', flatPath, flatRaw]);
      expect(firstDifference(new Uint8Array(readFileSync(flatRaw)), expectedAfterOps(SEED + 2))).toBe(-1);
      const flatInfo = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', flatPath], { encoding: 'utf8' })) as Record<string, unknown>;
      expect(flatInfo['backing-filename']).toBeUndefined();
      // Zero clusters of the base were left out: the flattened file is smaller than the disk.
      expect(statSync(flatPath).size).toBeLessThan(SIZE);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
