import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Page, expect, test } from './driver/index.ts';
import { removeFixture, writeFixture } from './harness/base-fixtures.ts';
import { openHarness } from './harness/pages.ts';

const MIB = 1024 * 1024;

/** Runs `qemu-img` and returns its status and output. */
function qemuImg(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync('qemu-img', args, { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Saves the downloads the page offers while `run` runs, in order, to `paths`. */
async function saveDownloads(page: Page, paths: readonly string[], run: () => Promise<unknown>): Promise<void> {
  const saved: Promise<void>[] = [];
  const onDownload = (download: { saveAs(path: string): Promise<void> }): void => {
    const path = paths[saved.length];
    if (path !== undefined) saved.push(download.saveAs(path));
  };
  page.on('download', onDownload);
  try {
    await run();
    await expect.poll(() => saved.length).toBe(paths.length);
    await Promise.all(saved);
  } finally {
    page.off('download', onDownload);
  }
}

test.describe('exportFile as qcow2', () => {
  test.beforeEach(async ({ page }) => {
    await openHarness(page);
    await page.evaluate(() => window.harness.resetStorage());
  });

  test.afterAll(() => removeFixture('export-base.vdi'));

  test('writes a standalone disk as qcow2, plain and compressed, that qemu-img checks and finds identical to the QED export', async ({ page }) => {
    const work = mkdtempSync(join(tmpdir(), 'qedisk-export-qcow2-'));
    try {
      const [qed, plain, compressed, small] = ['disk.qed', 'plain.qcow2', 'compressed.qcow2', 'small.qcow2'].map((name) => join(work, name)) as [string, string, string, string];
      let pageResult: { names: string[]; progress: Array<{ done: number; total: number }>; badFormat: unknown; badCluster: unknown; mixed: unknown } | undefined;
      await saveDownloads(page, [qed, plain, compressed, small], async () => {
        pageResult = await page.evaluate(async (mib) => {
          const { qedisk, model, errorOf, download } = window.harness;
          const disk = await qedisk.openDisk('out', { create: { size: 24 * mib + 512 } });
          const text = new TextEncoder().encode('compressible text, line after line. '.repeat(30_000));
          await disk.write(0, text);
          await disk.write(5 * mib + 4096, model.patternBytes(200 * 1024, 3));
          await disk.write(12 * mib, new Uint8Array(mib).fill(0x77));
          await disk.writeZeroes(12 * mib + 65536, 65536); // a zero cluster inside data
          await disk.write(24 * mib, new Uint8Array(512).fill(0xee)); // the last sector
          const progress: Array<{ done: number; total: number }> = [];
          // Each File is read before the next export replaces the OPFS file behind it.
          const copy = async (file: File): Promise<File> => new File([await file.arrayBuffer()], file.name);
          const files = [
            await copy(await disk.exportFile()),
            await copy(await disk.exportFile({ format: 'qcow2' })),
            await copy(await disk.exportFile({ format: 'qcow2', compressed: true, onProgress: (update) => progress.push(update) })),
            await copy(await disk.exportFile({ format: 'qcow2', clusterSize: 4096 })),
          ];
          for (const file of files) download(file);
          const badFormat = await errorOf(() => disk.exportFile({ format: 'vmdk' as 'qcow2' }));
          const badCluster = await errorOf(() => disk.exportFile({ format: 'qcow2', clusterSize: 1000 }));
          const mixed = await errorOf(() => disk.exportFile({ compressed: true }));
          await disk.close();
          return { names: files.map((file) => file.name), progress, badFormat, badCluster, mixed };
        }, MIB);
      });
      expect(pageResult?.names).toEqual(['out.qed', 'out.qcow2', 'out.qcow2', 'out.qcow2']);
      expect(pageResult?.badFormat).toMatchObject({ name: 'QedArgumentError' });
      expect(pageResult?.badCluster).toMatchObject({ name: 'QedArgumentError' });
      expect(pageResult?.mixed).toMatchObject({ name: 'QedArgumentError' });
      const progress = pageResult?.progress ?? [];
      expect(progress.length).toBeGreaterThan(1);
      expect(progress.map((update) => update.done)).toEqual([...progress.map((update) => update.done)].sort((a, b) => a - b));
      expect(progress.at(-1)?.done).toBe(progress.at(-1)?.total);
      for (const file of [plain, compressed, small]) {
        const check = qemuImg('check', '-f', 'qcow2', file);
        expect(check.status, `${file}: ${check.output}`).toBe(0);
        const compare = qemuImg('compare', '-f', 'qcow2', '-F', 'qed', file, qed);
        expect(compare.status, `${file}: ${compare.output}`).toBe(0);
      }
      const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', compressed], { encoding: 'utf8' })) as { 'virtual-size': number; 'cluster-size': number; 'format-specific'?: { data?: { compat?: string; 'compression-type'?: string } } };
      expect(info['virtual-size']).toBe(24 * MIB + 512);
      expect(info['cluster-size']).toBe(65536);
      expect(info['format-specific']?.data).toMatchObject({ compat: '1.1', 'compression-type': 'zlib' });
      expect(JSON.parse(execFileSync('qemu-img', ['info', '--output=json', small], { encoding: 'utf8' }))['cluster-size']).toBe(4096);
      // Compression shrank the text; holes stayed holes in both.
      expect(statSync(compressed).size).toBeLessThan(statSync(plain).size * 0.75);
      expect(statSync(plain).size).toBeLessThan(4 * MIB);
      const map = JSON.parse(execFileSync('qemu-img', ['map', '--output=json', '-f', 'qcow2', plain], { encoding: 'utf8' })) as Array<{ start: number; length: number; data: boolean }>;
      const dataBytes = map.filter((run) => run.data).reduce((sum, run) => sum + run.length, 0);
      expect(dataBytes).toBeLessThan(3 * MIB);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  test('flattens an overlay on a VDI base into a qcow2 that QEMU finds identical to the flattened QED export', async ({ page }) => {
    const work = mkdtempSync(join(tmpdir(), 'qedisk-export-overlay-'));
    try {
      const source = join(work, 'base.raw');
      execFileSync('qemu-img', ['create', '-q', '-f', 'raw', source, '8M']);
      execFileSync('qemu-io', ['-f', 'raw', '-c', 'write -q -P 0x21 0 3M', '-c', 'write -q -P 0x42 6M 1M', source]);
      execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'vdi', source, join(work, 'base.vdi')]);
      const url = writeFixture('export-base.vdi', readFileSync(join(work, 'base.vdi')));
      const [flat, qcow2] = [join(work, 'flat.qed'), join(work, 'flat.qcow2')];
      await saveDownloads(page, [flat, qcow2], () =>
        page.evaluate(async ({ url, mib }) => {
          const { qedisk, download } = window.harness;
          await qedisk.importDisk('vdi-base', await (await fetch(url)).blob(), { keepAsBase: true });
          const disk = await qedisk.openDisk('top', { create: { base: { kind: 'opfs', name: 'vdi-base' } } });
          await disk.write(mib, new Uint8Array(4096).fill(0x99));
          await disk.writeZeroes(6 * mib, 65536);
          const flattened = new File([await (await disk.exportFlattened()).arrayBuffer()], 'flat.qed');
          download(flattened);
          download(await disk.exportFile({ format: 'qcow2', compressed: true }));
          await disk.close();
        }, { url, mib: MIB }),
      );
      const check = qemuImg('check', '-f', 'qcow2', qcow2);
      expect(check.status, check.output).toBe(0);
      const compare = qemuImg('compare', '-f', 'qcow2', '-F', 'qed', qcow2, flat);
      expect(compare.status, compare.output).toBe(0);
      // And against the base with the page's changes, made by QEMU itself.
      execFileSync('qemu-io', ['-f', 'raw', '-c', 'write -q -P 0x99 1M 4K', '-c', 'write -q -z 6M 64K', source]);
      const truth = qemuImg('compare', '-f', 'qcow2', '-F', 'raw', qcow2, source);
      expect(truth.status, truth.output).toBe(0);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
