import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './driver/index.ts';
import { openHarness } from './harness/pages.ts';

const CLUSTER = 65536;

test.describe('importDisk', () => {
  test.beforeEach(async ({ page }) => {
    await openHarness(page);
    await page.evaluate(() => window.harness.resetStorage());
  });

  test('turns a raw image into a sparse disk that reads back byte for byte', async ({ page }) => {
    const result = await page.evaluate(async (cluster) => {
      const { qedisk, model, compareWholeDisk } = window.harness;
      // 9 MiB + 1000 bytes (three 4 MiB chunks, not a multiple of 512): data, zero runs, and
      // clusters whose only non-zero byte is the last one or the first one.
      const raw = new Uint8Array(9 * 1024 * 1024 + 1000);
      raw.set(model.patternBytes(cluster, 1), 0);
      raw[6 * cluster - 1] = 0x5a;
      raw.set(model.patternBytes(3 * cluster, 2), 20 * cluster);
      raw[64 * cluster] = 0xa5; // first byte of the second 4 MiB chunk
      raw.set(model.patternBytes(1000, 3), 9 * 1024 * 1024);
      let dataClusters = 0;
      for (let start = 0; start < raw.byteLength; start += cluster) {
        if (raw.subarray(start, start + cluster).some((byte) => byte !== 0)) dataClusters++;
      }
      const progress: Array<{ done: number; total: number }> = [];
      const record = await qedisk.importDisk('imported', new Blob([raw]), { onProgress: (update) => progress.push(update) });
      const disk = await qedisk.openDisk('imported');
      const expected = new Uint8Array(disk.size);
      expected.set(raw);
      const difference = await compareWholeDisk(disk, expected);
      const info = await disk.info();
      const check = await disk.check();
      await disk.close();
      return { rawSize: raw.byteLength, record, size: disk.size, difference, info, check, dataClusters, progress, listed: (await qedisk.listDisks()).map((r) => r.name) };
    }, CLUSTER);
    expect(result.size).toBe(Math.ceil(result.rawSize / 512) * 512);
    expect(result.record).toMatchObject({ name: 'imported', size: result.size, base: null });
    expect(result.difference).toBe(-1);
    expect(result.dataClusters).toBe(7);
    expect(result.info.allocatedBytes).toBe(result.dataClusters * CLUSTER);
    expect(result.check.corruptions).toBe(0);
    expect(result.check.leaks).toBe(0);
    expect(result.progress.length).toBe(3);
    expect(result.progress.at(-1)).toEqual({ done: result.rawSize, total: result.rawSize });
    expect(result.progress.map((update) => update.done)).toEqual([...result.progress.map((update) => update.done)].sort((a, b) => a - b));
    expect(result.listed).toEqual(['imported']);
  });

  test('takes a QED image made by qemu-img as it is, and refuses a name that exists', async ({ page }) => {
    const directory = mkdtempSync(join(tmpdir(), 'qedisk-import-'));
    let image: Buffer;
    try {
      const path = join(directory, 'source.qed');
      execFileSync('qemu-img', ['create', '-q', '-f', 'qed', '-o', 'cluster_size=4096', path, '8M']);
      execFileSync('qemu-io', ['-f', 'qed', '-c', 'write -q -P 0xab 65536 131072', '-c', 'write -q -P 0xcd 5M 4096', '-c', 'write -q -z 5M 512', path]);
      image = readFileSync(path);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
    const result = await page.evaluate(async (base64) => {
      const { qedisk, model, fromBase64, compareWholeDisk, errorOf } = window.harness;
      const source = fromBase64(base64);
      await qedisk.importDisk('from-qemu', new Blob([source]));
      const disk = await qedisk.openDisk('from-qemu');
      const expected = new Uint8Array(disk.size);
      expected.fill(0xab, 65536, 65536 + 131072);
      expected.fill(0xcd, 5 * 1024 * 1024 + 512, 5 * 1024 * 1024 + 4096);
      const difference = await compareWholeDisk(disk, expected);
      const info = await disk.info();
      const exported = new Uint8Array(await (await disk.exportFile()).arrayBuffer());
      await disk.close();
      const again = await errorOf(() => qedisk.importDisk('from-qemu', new Blob([source])));
      const corrupt = source.slice(0, 4096);
      corrupt.fill(0xff, 8, 12); // table size field: not a power of two
      const bad = await errorOf(() => qedisk.importDisk('corrupt', new Blob([corrupt])));
      return { size: disk.size, difference, clusterSize: info.clusterSize, sameAsSource: model.firstDifference(exported, source), again, bad, listed: (await qedisk.listDisks()).map((r) => r.name) };
    }, image.toString('base64'));
    expect(result.size).toBe(8 * 1024 * 1024);
    expect(result.clusterSize).toBe(4096);
    expect(result.difference).toBe(-1);
    expect(result.sameAsSource).toBe(-1);
    expect(result.again).toMatchObject({ name: 'DiskExistsError', diskName: 'from-qemu', isQedError: true });
    expect(result.bad).toMatchObject({ name: 'QedFormatError', isQedError: true });
    expect(result.listed).toEqual(['from-qemu']);
  });
});
