import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './driver/index.ts';
import { removeFixture, writeFixture } from './harness/base-fixtures.ts';
import { baseBytes } from './harness/base-model.ts';
import { openHarness } from './harness/pages.ts';

const MIB = 1024 * 1024;

/** A 16 MiB raw base served by the Vite dev server. */
const SIZE = 16 * MIB;
const SEED = 77;

test.describe('an overlay on an HTTP base', () => {
  test.beforeEach(async ({ page }) => {
    await openHarness(page);
    await page.evaluate(() => window.harness.resetStorage());
  });

  test.afterAll(() => {
    for (const name of ['http-lazy.raw', 'http-timing.raw', 'http-base.qed', 'http-changing.raw']) removeFixture(name);
  });

  test('reads lazily, works offline with what it read, shares the cache between overlays, and caches everything on request', async ({ page, context, setOffline }) => {
    const url = writeFixture('http-lazy.raw', baseBytes(SIZE, SEED));
    const online = await page.evaluate(
      async ({ url, size, seed, mib }) => {
        const { qedisk, model, baseBytes } = window.harness;
        const base = baseBytes(size, seed);
        const disk = await qedisk.openDisk('web', { create: { base: { kind: 'url', url, format: 'raw' } } });
        const read = await disk.read(3 * mib, mib);
        const written = model.patternBytes(64 * 1024, 9);
        await disk.write(5 * mib + 512, written.slice());
        const afterWrite = await disk.read(5 * mib, 128 * 1024);
        const expectedAfterWrite = base.slice(5 * mib, 5 * mib + 128 * 1024);
        expectedAfterWrite.set(written, 512);
        // Read-ahead runs in the background: wait until the fetched count holds still for 0.5 s.
        for (let previous = -1, now = (await disk.baseStatus())?.bytesFetched ?? 0; now !== previous; now = (await disk.baseStatus())?.bytesFetched ?? 0) {
          previous = now;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
        const info = await disk.info();
        const status = await disk.baseStatus();
        return {
          status,
          size: disk.size,
          readDifference: model.firstDifference(read, base.subarray(3 * mib, 4 * mib)),
          writeDifference: model.firstDifference(afterWrite, expectedAfterWrite),
          info,
        };
      },
      { url, size: SIZE, seed: SEED, mib: MIB },
    );
    expect(online.size).toBe(SIZE);
    expect(online.readDifference).toBe(-1);
    expect(online.writeDifference).toBe(-1);
    expect(online.info.backingFile).toBe(new URL(url, page.url()).href);
    expect(online.info.backingFormat).toBe('raw');
    expect(online.info.chain?.map((level) => level.kind)).toEqual(['url']);
    const remote = online.info.remoteBase;
    expect(remote).toMatchObject({ totalBytes: SIZE, complete: false, persistent: true });
    // 1 MiB read plus one cluster copied on write, with a little read-ahead: far from the whole base.
    expect(remote?.bytesFetched).toBeGreaterThanOrEqual(MIB + 64 * 1024);
    expect(remote?.bytesFetched).toBeLessThan(SIZE / 4);
    expect(remote?.cachedBytes).toBe(remote?.bytesFetched);
    expect(online.status).toEqual(remote);
    console.log(`[measure] HTTP base: ${remote?.bytesFetched} bytes fetched in ${remote?.requests} requests for a 1 MiB read and a 64 KiB write on a ${SIZE}-byte base`);

    // Reload while online (the page and worker scripts come from the dev server), start the worker, then go offline.
    await openHarness(page, { reload: true });
    await page.evaluate(() => window.harness.qedisk.listDisks());
    await setOffline(context, true);
    const offline = await page.evaluate(
      async ({ url, size, seed, mib }) => {
        const { qedisk, model, baseBytes, errorOf } = window.harness;
        const base = baseBytes(size, seed);
        const disk = await qedisk.openDisk('web');
        const read = await disk.read(3 * mib, mib);
        const written = await disk.read(5 * mib + 512, 64 * 1024);
        const unread = await errorOf(() => disk.read(12 * mib, 4096));
        const info = await disk.info();
        await disk.close();
        // A second overlay of the same base, created offline, reads what the first one fetched.
        const second = await qedisk.openDisk('web2', { create: { base: { kind: 'url', url, format: 'raw' } } });
        const sharedRead = await second.read(3 * mib + 4096, 8192);
        await second.close();
        return {
          readDifference: model.firstDifference(read, base.subarray(3 * mib, 4 * mib)),
          writtenDifference: model.firstDifference(written, model.patternBytes(64 * 1024, 9)),
          unread,
          remote: info.remoteBase,
          sharedDifference: model.firstDifference(sharedRead, base.subarray(3 * mib + 4096, 3 * mib + 12288)),
        };
      },
      { url, size: SIZE, seed: SEED, mib: MIB },
    );
    expect(offline.readDifference).toBe(-1);
    expect(offline.writtenDifference).toBe(-1);
    expect(offline.unread).toMatchObject({ name: 'QedIoError', isQedError: true });
    expect(offline.remote).toMatchObject({ bytesFetched: 0, cachedBytes: remote?.cachedBytes, complete: false });
    expect(offline.sharedDifference).toBe(-1);

    await setOffline(context, false);
    const download = await page.evaluate(async () => {
      const disk = await window.harness.qedisk.openDisk('web');
      window.harness.disks.set('web', disk);
      const progress: Array<{ done: number; total: number; bytesFetched: number }> = [];
      const status = await disk.makeAvailableOffline((update) => progress.push(update));
      return { status, progress };
    });
    expect(download.status).toMatchObject({ totalBytes: SIZE, cachedBytes: SIZE, complete: true });
    expect(download.status?.bytesFetched).toBe(SIZE - (remote?.cachedBytes ?? 0));
    expect(download.progress.length).toBeGreaterThan(1);
    expect(download.progress.at(-1)).toMatchObject({ done: SIZE, total: SIZE });
    expect(download.progress.map((update) => update.done)).toEqual([...download.progress.map((update) => update.done)].sort((a, b) => a - b));

    await setOffline(context, true);
    const everything = await page.evaluate(
      async ({ size, seed, mib }) => {
        const { qedisk, model, baseBytes, compareWholeDisk, kept } = window.harness;
        await kept('web').close();
        const expected = baseBytes(size, seed);
        expected.set(model.patternBytes(64 * 1024, 9), 5 * mib + 512);
        const disk = await qedisk.openDisk('web');
        const started = performance.now();
        const difference = await compareWholeDisk(disk, expected);
        const offlineMs = performance.now() - started;
        const info = await disk.info();
        await disk.close();
        return { difference, offlineMs, remote: info.remoteBase };
      },
      { size: SIZE, seed: SEED, mib: MIB },
    );
    expect(everything.difference).toBe(-1);
    expect(everything.remote).toMatchObject({ bytesFetched: 0, complete: true });
    console.log(`[measure] HTTP base: whole ${SIZE}-byte disk read offline from the cache in ${everything.offlineMs.toFixed(0)} ms`);
    await setOffline(context, false);

    // The cache goes with the last disk that names the base.
    const cleanup = await page.evaluate(async () => {
      const { qedisk } = window.harness;
      const cacheFiles = async (): Promise<number> => {
        const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle('qedisk');
        let count = 0;
        for await (const [name] of folder.entries()) if (name.endsWith('.base-cache') || name.endsWith('.base-map')) count++;
        return count;
      };
      const before = await cacheFiles();
      await qedisk.deleteDisk('web2');
      const afterOne = await cacheFiles();
      await qedisk.deleteDisk('web');
      return { before, afterOne, afterBoth: await cacheFiles() };
    });
    expect(cleanup).toEqual({ before: 2, afterOne: 2, afterBoth: 0 });
  });

  test('measures a cold read of the whole base online against the same read offline', async ({ page, context, setOffline }) => {
    const url = writeFixture('http-timing.raw', baseBytes(SIZE, SEED + 1));
    const cold = await page.evaluate(
      async ({ url, size, seed }) => {
        const { qedisk, baseBytes, compareWholeDisk } = window.harness;
        const disk = await qedisk.openDisk('timing', { create: { base: { kind: 'url', url, format: 'raw' } } });
        const started = performance.now();
        const difference = await compareWholeDisk(disk, baseBytes(size, seed));
        const onlineMs = performance.now() - started;
        const info = await disk.info();
        await disk.close();
        return { difference, onlineMs, remote: info.remoteBase };
      },
      { url, size: SIZE, seed: SEED + 1 },
    );
    expect(cold.difference).toBe(-1);
    expect(cold.remote).toMatchObject({ bytesFetched: SIZE, complete: true });
    await setOffline(context, true);
    const warm = await page.evaluate(
      async ({ size, seed }) => {
        const { qedisk, baseBytes, compareWholeDisk } = window.harness;
        const disk = await qedisk.openDisk('timing');
        const started = performance.now();
        const difference = await compareWholeDisk(disk, baseBytes(size, seed));
        const offlineMs = performance.now() - started;
        const info = await disk.info();
        await disk.close();
        return { difference, offlineMs, remote: info.remoteBase };
      },
      { size: SIZE, seed: SEED + 1 },
    );
    await setOffline(context, false);
    expect(warm.difference).toBe(-1);
    expect(warm.remote).toMatchObject({ bytesFetched: 0, requests: 0 });
    console.log(`[measure] HTTP base: ${SIZE}-byte base read whole, cold online ${cold.onlineMs.toFixed(0)} ms in ${cold.remote?.requests} requests, offline from the cache ${warm.offlineMs.toFixed(0)} ms`);
  });

  test('takes a QED image on the server as a base, probed by its magic and read through its tables lazily', async ({ page }) => {
    const directory = mkdtempSync(join(tmpdir(), 'qedisk-http-qed-'));
    let qed: Buffer;
    try {
      writeFileSync(join(directory, 'base.raw'), baseBytes(SIZE, SEED + 4));
      execFileSync('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qed', '-o', 'cluster_size=65536', join(directory, 'base.raw'), join(directory, 'base.qed')]);
      qed = readFileSync(join(directory, 'base.qed'));
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
    const url = writeFixture('http-base.qed', qed);
    const result = await page.evaluate(
      async ({ url, size, seed, mib }) => {
        const { qedisk, model, baseBytes } = window.harness;
        const disk = await qedisk.openDisk('qedweb', { create: { base: { kind: 'url', url } } });
        const read = await disk.read(2 * mib, 256 * 1024);
        const info = await disk.info();
        await disk.close();
        const again = await qedisk.openDisk('qedweb');
        const readAgain = await again.read(2 * mib + 4096, 4096);
        const infoAgain = await again.info();
        await again.close();
        const base = baseBytes(size, seed);
        return {
          size: disk.size,
          difference: model.firstDifference(read, base.subarray(2 * mib, 2 * mib + 256 * 1024)),
          againDifference: model.firstDifference(readAgain, base.subarray(2 * mib + 4096, 2 * mib + 8192)),
          info,
          fetchedAgain: infoAgain.remoteBase?.bytesFetched,
        };
      },
      { url, size: SIZE, seed: SEED + 4, mib: MIB },
    );
    expect(result.size).toBe(SIZE);
    expect(result.difference).toBe(-1);
    expect(result.againDifference).toBe(-1);
    expect(result.info.backingFormat).toBe('probe');
    expect(result.info.remoteBase?.totalBytes).toBe(qed.byteLength);
    expect(result.info.remoteBase?.bytesFetched).toBeLessThan(qed.byteLength / 4);
    expect(result.fetchedAgain).toBe(0);
  });

  test('reports a base that changed on the server as QedBackingChangedError instead of mixing it in', async ({ page }) => {
    const url = writeFixture('http-changing.raw', baseBytes(SIZE, SEED + 2));
    const before = await page.evaluate(
      async ({ url, size, seed }) => {
        const { qedisk, model, baseBytes } = window.harness;
        const disk = await qedisk.openDisk('changing', { create: { base: { kind: 'url', url, format: 'raw' } } });
        window.harness.disks.set('changing', disk);
        const read = await disk.read(0, 65536);
        return model.firstDifference(read, baseBytes(size, seed).subarray(0, 65536));
      },
      { url, size: SIZE, seed: SEED + 2 },
    );
    expect(before).toBe(-1);
    await new Promise((resolve) => setTimeout(resolve, 20)); // a new modification time, so a new ETag
    writeFixture('http-changing.raw', baseBytes(SIZE, SEED + 3));
    const after = await page.evaluate(
      async ({ size, seed, mib }) => {
        const { qedisk, model, baseBytes, errorOf, kept } = window.harness;
        const disk = kept('changing');
        const cached = await disk.read(0, 65536);
        const uncached = await errorOf(() => disk.read(8 * mib, 65536));
        await disk.close();
        const reopened = await errorOf(() => qedisk.openDisk('changing'));
        return { cachedDifference: model.firstDifference(cached, baseBytes(size, seed).subarray(0, 65536)), uncached, reopened };
      },
      { size: SIZE, seed: SEED + 2, mib: MIB },
    );
    expect(after.cachedDifference).toBe(-1);
    expect(after.uncached).toMatchObject({ name: 'QedBackingChangedError', isQedError: true });
    expect(after.reopened).toMatchObject({ name: 'QedBackingChangedError', isQedError: true });
  });
});
