/**
 * The boot prefetch manifest in the browser: a first "boot" (a fixed scattered read pattern, the
 * way a guest's boot reads metadata and files) of a disk on an HTTP base records the chunks it
 * read in order (`baseStatus().readOrder`); that record served as `<base>.manifest.json` makes the
 * next first boot, on an empty cache, fetch the same bytes in fewer requests (coalesced, streamed
 * ahead of the reads), with the same data.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manifestFromRuns, serializeManifest } from '../../src/backends/remote/prefetch-manifest.ts';
import { expect, test } from './driver/index.ts';
import { FIXTURE_DIR, removeFixture, writeFixture } from './harness/base-fixtures.ts';
import { baseBytes } from './harness/base-model.ts';
import { openHarness } from './harness/pages.ts';

const MIB = 1024 * 1024;
const SIZE = 8 * MIB;
const SEED = 171;
const BASE = 'network-manifest.raw';

/** What one boot in the page saw. */
interface BootResult {
  requests: number;
  bytesFetched: number;
  difference: number;
  readOrder: { chunkSize: number; runs: Array<[number, number]> } | null;
  prefetch: { state: string; requests: number; manifestChunks: number } | null;
}

/** Opens a new disk on the base and reads the boot pattern: 4 KiB reads of chunks in an interleaved order, then a 1 MiB file read in 128 KiB pieces. */
function boot(page: import('./driver/index.ts').Page, url: string, name: string): Promise<BootResult> {
  return page.evaluate(
    async ({ url, name, size, seed, mib }) => {
      const { qedisk, model, baseBytes } = window.harness;
      const base = baseBytes(size, seed);
      const disk = await qedisk.openDisk(name, { create: { base: { kind: 'url', url, format: 'raw' } } });
      const chunk = 64 * 1024;
      const offsets = [0, 40, 3, 41, 4, 42, 5, 90, 12, 91, 13, 92, 60, 61, 20].map((index) => index * chunk + 1024);
      let difference = -1;
      for (const offset of offsets) {
        const bytes = await disk.read(offset, 4096);
        if (difference < 0 && model.firstDifference(bytes, base.subarray(offset, offset + 4096)) >= 0) difference = offset;
      }
      for (let offset = 5 * mib; offset < 6 * mib; offset += 128 * 1024) {
        const bytes = await disk.read(offset, 128 * 1024);
        if (difference < 0 && model.firstDifference(bytes, base.subarray(offset, offset + 128 * 1024)) >= 0) difference = offset;
      }
      const status = await disk.baseStatus();
      await disk.close();
      await qedisk.deleteDisk(name); // the last disk on the base: its cache goes too
      return {
        requests: status?.requests ?? -1,
        bytesFetched: status?.bytesFetched ?? -1,
        difference,
        readOrder: status?.readOrder ?? null,
        prefetch: status?.prefetch ? { state: status.prefetch.state, requests: status.prefetch.requests, manifestChunks: status.prefetch.manifestChunks } : null,
      };
    },
    { url, name, size: SIZE, seed: SEED, mib: MIB },
  );
}

test.describe('the boot prefetch manifest', () => {
  test.afterAll(() => {
    removeFixture(BASE);
    removeFixture(`${BASE}.manifest.json`);
  });

  test('a first boot records its reads; with that manifest a second first boot fetches the same data in fewer requests', async ({ page }) => {
    const url = writeFixture(BASE, baseBytes(SIZE, SEED));
    removeFixture(`${BASE}.manifest.json`);
    await openHarness(page);
    await page.evaluate(() => window.harness.resetStorage());

    const first = await boot(page, url, 'first');
    expect(first.difference).toBe(-1);
    expect(first.prefetch).toBeNull(); // no manifest served yet
    expect(first.readOrder?.chunkSize).toBe(64 * 1024);
    // First reads in order: chunks 0, 40, 3, 41, ... then the 1 MiB file (chunks 80-95; 90-92 were read already).
    expect(first.readOrder?.runs.slice(0, 4)).toEqual([[0, 1], [40, 1], [3, 1], [41, 1]]);

    const runs = (first.readOrder?.runs ?? []).map(([first, count]) => ({ first, count }));
    writeFileSync(join(FIXTURE_DIR, `${BASE}.manifest.json`), serializeManifest(manifestFromRuns(runs, SIZE, 64 * 1024)));

    const second = await boot(page, url, 'second');
    expect(second.difference).toBe(-1);
    expect(second.prefetch).toMatchObject({ manifestChunks: runs.reduce((sum, run) => sum + run.count, 0) });
    expect(second.prefetch?.requests).toBeGreaterThan(0);
    expect(second.requests).toBeLessThan(first.requests);
    console.log(`[measure] boot pattern: ${first.requests} requests without the manifest, ${second.requests} with it (${second.prefetch?.requests} of them the prefetcher's); ${first.bytesFetched} and ${second.bytesFetched} bytes`);
  });
});
