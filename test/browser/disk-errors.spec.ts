import { expect, test } from './driver/index.ts';
import { openHarness } from './harness/pages.ts';

test.describe('typed errors reach the page', () => {
  test.beforeEach(async ({ page }) => {
    await openHarness(page);
    await page.evaluate(() => window.harness.resetStorage());
  });

  test('rejects bad disk names with QedArgumentError before touching storage', async ({ page }) => {
    const badNames = ['', '.hidden', '..', 'a/b', '../escape', 'a\\b', 'with space', 'ü', 'x'.repeat(101), 'nul\u0000'];
    const results = await page.evaluate(async (names) => {
      const { qedisk, errorOf } = window.harness;
      const outcomes = [];
      for (const name of names) {
        outcomes.push({
          name,
          open: await errorOf(() => qedisk.openDisk(name, { create: { size: 65536 } })),
          remove: await errorOf(() => qedisk.deleteDisk(name)),
          import: await errorOf(() => qedisk.importDisk(name, new Blob([new Uint8Array(512)]))),
        });
      }
      return { outcomes, listed: await qedisk.listDisks() };
    }, badNames);
    for (const outcome of results.outcomes) {
      for (const error of [outcome.open, outcome.remove, outcome.import]) {
        expect(error, `name ${JSON.stringify(outcome.name)}`).toMatchObject({ name: 'QedArgumentError', isQedError: true });
      }
    }
    expect(results.listed).toEqual([]);
  });

  test('accepts names of letters, digits, dots, dashes and underscores up to 100 characters', async ({ page }) => {
    const names = ['a', 'disk-1.v2_final', '-dash', 'x'.repeat(100)];
    const sizes = await page.evaluate(async (list) => {
      const { qedisk } = window.harness;
      const result = [];
      for (const name of list) {
        const disk = await qedisk.openDisk(name, { create: { size: 65536 } });
        result.push(disk.size);
        await disk.close();
      }
      return { result, listed: (await qedisk.listDisks()).map((record) => record.name) };
    }, names);
    expect(sizes.result).toEqual(names.map(() => 65536));
    expect(sizes.listed).toEqual([...names].sort());
  });

  test('reports a missing disk, out-of-range requests, read-only writes and closed disks by name', async ({ page }) => {
    const errors = await page.evaluate(async () => {
      const { qedisk, errorOf } = window.harness;
      const missing = await errorOf(() => qedisk.openDisk('missing'));
      const badGeometry = await errorOf(() => qedisk.openDisk('bad-geometry', { create: { size: 65536, clusterSize: 1000 } }));
      const disk = await qedisk.openDisk('small', { create: { size: 1024 * 1024 } });
      const size = disk.size;
      const ranges = {
        readPastEnd: await errorOf(() => disk.read(size - 512, 1024)),
        writePastEnd: await errorOf(() => disk.write(size, new Uint8Array(512))),
        zeroPastEnd: await errorOf(() => disk.writeZeroes(size - 512, 4096)),
        negativeOffset: await errorOf(() => disk.read(-512, 512)),
        fractionalOffset: await errorOf(() => disk.read(0.5, 512)),
      };
      const stillWorks = await errorOf(() => disk.write(size - 512, new Uint8Array(512).fill(9)));
      const checkAfter = await disk.check();
      await disk.close();
      const closed = await errorOf(() => disk.read(0, 512));
      const readOnlyDisk = await qedisk.openDisk('small', { readOnly: true });
      const readOnly = await errorOf(() => readOnlyDisk.write(0, new Uint8Array(512)));
      await readOnlyDisk.close();
      const listed = (await qedisk.listDisks()).map((record) => record.name);
      return { missing, badGeometry, ...ranges, stillWorks, checkAfter, closed, readOnly, listed };
    });
    expect(errors.missing).toMatchObject({ name: 'DiskNotFoundError', diskName: 'missing', isQedError: true });
    expect(errors.badGeometry).toMatchObject({ name: 'QedArgumentError', isQedError: true });
    for (const key of ['readPastEnd', 'writePastEnd', 'zeroPastEnd', 'negativeOffset', 'fractionalOffset'] as const) {
      expect(errors[key], key).toMatchObject({ name: 'QedRangeError', isQedError: true });
    }
    expect(errors.stillWorks).toBeNull();
    expect(errors.checkAfter.corruptions).toBe(0);
    expect(errors.closed).toMatchObject({ name: 'QedClosedError', isQedError: true });
    expect(errors.readOnly).toMatchObject({ name: 'QedReadOnlyError', isQedError: true });
    expect(errors.listed).toEqual(['small']);
  });
});
