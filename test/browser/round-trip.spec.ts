import { expect, test } from '@playwright/test';
import { openHarness } from './harness/pages.ts';

/** Reads per size; the median of this many sequential page -> worker -> page round trips is printed. */
const READS = 1000;

test.describe('page-to-worker round trip (a measurement, printed, not asserted)', () => {
  test('reads 4 KiB and 64 KiB blocks through the worker and prints the median time', async ({ page }) => {
    await openHarness(page);
    const result = await page.evaluate(async (reads) => {
      const { qedisk, model, resetStorage } = window.harness;
      await resetStorage();
      const disk = await qedisk.openDisk('timing', { create: { size: 8 * 1024 * 1024 } });
      await disk.write(0, model.patternBytes(1024 * 1024, 5));
      const pattern = model.patternBytes(1024 * 1024, 5);
      const medians: Record<string, number> = {};
      const means: Record<string, number> = {};
      let wrongReads = 0;
      for (const size of [4096, 65536]) {
        const times: number[] = [];
        const received: Array<[number, Uint8Array]> = [];
        const begin = performance.now();
        for (let i = 0; i < reads; i++) {
          const offset = ((i * 7) % 15) * 65536;
          const start = performance.now();
          const bytes = await disk.read(offset, size);
          times.push(performance.now() - start);
          if (i % 50 === 0) received.push([offset, bytes]);
        }
        means[`${size / 1024} KiB`] = (performance.now() - begin) / reads;
        for (const [offset, bytes] of received) if (model.firstDifference(bytes, pattern.subarray(offset, offset + size)) !== -1) wrongReads++;
        times.sort((a, b) => a - b);
        medians[`${size / 1024} KiB`] = times[Math.floor(times.length / 2)] ?? Number.NaN;
      }
      const sample = await disk.read(65536, 4096);
      const expected = model.patternBytes(1024 * 1024, 5).subarray(65536, 65536 + 4096);
      await disk.close();
      return { medians, means, wrongReads, sampleDifference: model.firstDifference(sample, expected) };
    }, READS);
    const show = (times: Record<string, number>): string => Object.entries(times).map(([size, ms]) => `${size} ${ms.toFixed(3)} ms`).join(', ');
    // performance.now() is coarsened to 0.1 ms outside cross-origin isolation: the mean of back-to-back reads is finer.
    console.log(`page-to-worker read round trip over ${READS} reads: median ${show(result.medians)}; mean ${show(result.means)}`);
    test.info().annotations.push({ type: 'round-trip (ms)', description: JSON.stringify({ medians: result.medians, means: result.means }) });
    expect(result.wrongReads).toBe(0);
    expect(result.sampleDifference).toBe(-1);
  });
});
