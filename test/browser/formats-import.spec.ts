import { expect, test } from './driver/index.ts';
import { removeFixture, writeFixture } from './harness/base-fixtures.ts';
import { openHarness } from './harness/pages.ts';
import { QED_CLUSTER_BYTES, qcow2WithBacking, removeGrid, writeGrid } from './formats-fixtures.ts';

const GRID = 'import-grid';

test.describe('importDisk of the images people already have', () => {
  test.beforeEach(async ({ page }) => {
    await openHarness(page);
    await page.evaluate(() => window.harness.resetStorage());
  });

  test.afterAll(() => {
    removeGrid(GRID);
    for (const name of ['import-backing.qcow2', 'import-damaged.qcow2']) removeFixture(name);
  });

  test('probes each format of the grid and reads it byte for byte as qemu-img does, zero runs left unallocated, no temporary file left', async ({ page }) => {
    test.setTimeout(240_000);
    const grid = writeGrid(GRID);
    expect(grid.length).toBe(16);
    const results = await page.evaluate(async (images) => {
      const { qedisk, compareWholeDisk } = window.harness;
      const out = [];
      for (const image of images) {
        const source = await (await fetch(image.url)).blob();
        const expected = new Uint8Array(await (await fetch(image.rawUrl)).arrayBuffer());
        const progress: Array<{ done: number; total: number; phase?: string }> = [];
        const record = await qedisk.importDisk(image.label, source, { onProgress: (update) => progress.push(update) });
        const disk = await qedisk.openDisk(image.label);
        const difference = await compareWholeDisk(disk, expected);
        const info = await disk.info();
        const check = await disk.check();
        await disk.close();
        out.push({ label: image.label, record, size: disk.size, difference, allocatedBytes: info.allocatedBytes, clusterSize: info.clusterSize, corruptions: check.corruptions, leaks: check.leaks, progress });
      }
      const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle('qedisk');
      const files: string[] = [];
      for await (const [name] of folder.entries()) files.push(name);
      return { out, files: files.sort(), listed: (await qedisk.listDisks()).map((record) => `${record.name}:${record.format ?? 'qed'}`) };
    }, grid);
    for (const image of grid) {
      const result = results.out.find((entry) => entry.label === image.label);
      expect(result, image.label).toBeDefined();
      if (!result) continue;
      expect({ label: image.label, difference: result.difference, size: result.size }).toEqual({ label: image.label, difference: -1, size: image.virtualSize });
      expect(result.record, image.label).toMatchObject({ name: image.label, size: image.virtualSize, base: null, format: 'qed' });
      // Only the clusters that hold data are allocated: zero and unallocated runs stayed holes.
      if (image.label !== 'qed') {
        expect(result.clusterSize, image.label).toBe(QED_CLUSTER_BYTES);
        expect(result.allocatedBytes, image.label).toBe(image.dataClusters * QED_CLUSTER_BYTES);
      }
      expect([result.corruptions, result.leaks], image.label).toEqual([0, 0]);
      const last = result.progress.at(-1);
      if (image.label === 'raw' || image.label === 'qed' || image.label === 'vhd-fixed') {
        // One pass over the file (a fixed VHD's data without its footer).
        expect(result.progress.every((update) => update.phase === undefined), image.label).toBe(true);
        expect(last, image.label).toEqual({ done: image.label === 'vhd-fixed' ? image.fileBytes - 512 : image.fileBytes, total: image.label === 'vhd-fixed' ? image.fileBytes - 512 : image.fileBytes });
      } else {
        // Two passes: the copy into OPFS, then the conversion of the runs that may hold data.
        const phases = result.progress.map((update) => update.phase);
        const firstConvert = phases.indexOf('convert');
        expect(firstConvert, image.label).toBeGreaterThan(0);
        expect(phases.slice(0, firstConvert).every((phase) => phase === 'copy'), image.label).toBe(true);
        expect(phases.slice(firstConvert).every((phase) => phase === 'convert'), image.label).toBe(true);
        expect(result.progress[firstConvert - 1], image.label).toEqual({ done: image.fileBytes, total: image.fileBytes, phase: 'copy' });
        expect(last?.done, image.label).toBe(last?.total);
        // The runs the reader reports as zero or unallocated were never read (where the format
        // allocates in units small enough for the grid's 6 MiB disk to have empty ones).
        if (image.maxDataBytes !== null) {
          expect(last?.total, image.label).toBeLessThanOrEqual(image.maxDataBytes);
          expect(last?.total, image.label).toBeLessThan(image.virtualSize);
        }
      }
    }
    expect(results.files).toEqual(grid.map((image) => `${image.label}.qed`).sort());
    expect(results.listed).toEqual(grid.map((image) => `${image.label}:qed`).sort());
  });

  test('refuses an image with a backing file and a damaged one with typed errors, leaving no file behind', async ({ page }) => {
    const withBacking = qcow2WithBacking();
    const damaged = new Uint8Array(withBacking); // a copy (Buffer.slice would share the bytes)
    // L1 table offset (bytes 40-47) not on a cluster boundary.
    new DataView(damaged.buffer, damaged.byteOffset).setBigUint64(40, 0x10008n);
    damaged.fill(0, 8, 20); // and no backing file, so the table is what fails
    const urls = { backing: writeFixture('import-backing.qcow2', withBacking), damaged: writeFixture('import-damaged.qcow2', damaged) };
    const result = await page.evaluate(async ({ backing, damaged }) => {
      const { qedisk, errorOf } = window.harness;
      const withBacking = await (await fetch(backing)).blob();
      const refused = await errorOf(() => qedisk.importDisk('overlay', withBacking));
      const kept = await errorOf(() => qedisk.importDisk('overlay-base', withBacking, { keepAsBase: true }));
      let instance = false;
      try {
        await qedisk.importDisk('overlay', withBacking);
      } catch (error) {
        instance = error instanceof qedisk.ImportBackingFileError && error instanceof qedisk.QedBackingError;
      }
      const damagedBlob = await (await fetch(damaged)).blob();
      const bad = await errorOf(() => qedisk.importDisk('damaged', damagedBlob));
      const empty = await errorOf(() => qedisk.importDisk('empty', new Blob([])));
      const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle('qedisk');
      const files: string[] = [];
      for await (const [name] of folder.entries()) files.push(name);
      return { refused, kept, instance, bad, empty, files, listed: await qedisk.listDisks() };
    }, urls);
    expect(result.refused).toMatchObject({ name: 'ImportBackingFileError', isQedError: true });
    expect(result.refused?.message).toContain('"base.qcow2"');
    expect(result.kept).toMatchObject({ name: 'ImportBackingFileError' });
    expect(result.instance).toBe(true);
    expect(result.bad?.name).toBe('ImageFormatError');
    expect(result.bad?.isQedError).toBe(true);
    expect(result.empty).toMatchObject({ name: 'QedArgumentError' });
    expect(result.files).toEqual([]);
    expect(result.listed).toEqual([]);
  });
});
