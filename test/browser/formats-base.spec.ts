import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Page, expect, test } from './driver/index.ts';
import { removeFixture, writeFixture } from './harness/base-fixtures.ts';
import { openHarness } from './harness/pages.ts';
import { removeGrid, writeGrid } from './formats-fixtures.ts';

const MIB = 1024 * 1024;
const GRID = 'base-grid';
/** The written pattern of the overlay tests: 64 KiB of 0x6b at 1 MiB + 512. */
const WRITE_AT = MIB + 512;
const WRITE_BYTES = 64 * 1024;
const WRITE_BYTE = 0x6b;

/**
 * A 16 MiB disk that compresses well, as a file system does: text lines for 10 MiB, 4 MiB of
 * zeros, 2 MiB of text again.
 */
function compressibleDisk(): Uint8Array {
  const bytes = new Uint8Array(16 * MIB);
  const encoder = new TextEncoder();
  let at = 0;
  for (let line = 0; at < 10 * MIB; line++) at += encoder.encodeInto(`qedisk base line ${line}: the quick brown fox ${line % 97} jumps over ${line % 13} lazy dogs\n`, bytes.subarray(at, 10 * MIB)).written;
  at = 14 * MIB;
  for (let line = 0; at < 16 * MIB; line++) at += encoder.encodeInto(`tail ${line} ${'='.repeat(line % 50)}\n`, bytes.subarray(at)).written;
  return bytes;
}

/** Runs `qemu-img` in `cwd` and returns its status and output. */
function qemuImg(cwd: string, ...args: string[]): { status: number | null; output: string } {
  const result = spawnSync('qemu-img', args, { cwd, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Saves the page's next download (started by `start`) to `path`. */
async function saveDownload(page: Page, path: string, start: () => Promise<unknown>): Promise<void> {
  const [download] = await Promise.all([page.waitForEvent('download'), start()]);
  await download.saveAs(path);
}

test.describe('bases in the formats people have', () => {
  test.beforeEach(async ({ page }) => {
    await openHarness(page);
    await page.evaluate(() => window.harness.resetStorage());
  });

  test.afterAll(() => {
    removeGrid(GRID);
    for (const name of ['base-http.qcow2', 'base-http.raw', 'base-opfs.qcow2']) removeFixture(name);
  });

  test('keeps a qcow2 as an OPFS base; the overlay names it, QEMU reads the pair, and the base goes only after its overlay', async ({ page }) => {
    const work = mkdtempSync(join(tmpdir(), 'qedisk-formats-base-'));
    try {
      const raw = compressibleDisk();
      writeFileSync(join(work, 'source.raw'), raw);
      execFileSync('qemu-img', ['convert', '-c', '-f', 'raw', '-O', 'qcow2', join(work, 'source.raw'), join(work, 'gold.qcow2')]);
      const qcow2 = readFileSync(join(work, 'gold.qcow2'));
      const url = writeFixture('base-opfs.qcow2', qcow2);
      const result = await page.evaluate(
        async ({ url, at, length, byte }) => {
          const { qedisk, model, errorOf } = window.harness;
          const source = await (await fetch(url)).blob();
          const record = await qedisk.importDisk('gold', source, { keepAsBase: true });
          const listed = (await qedisk.listDisks()).map((entry) => ({ name: entry.name, format: entry.format, size: entry.size }));
          const openBase = await errorOf(() => qedisk.openDisk('gold'));
          const createOverBase = await errorOf(() => qedisk.openDisk('gold', { create: { size: 1 << 20 } }));
          const disk = await qedisk.openDisk('work', { create: { base: { kind: 'opfs', name: 'gold' } } });
          const before = await disk.read(0, 1 << 20);
          await disk.write(at, new Uint8Array(length).fill(byte));
          const info = await disk.info();
          const deleteWhileOpen = await errorOf(() => qedisk.deleteDisk('gold'));
          await disk.close();
          const deleteBase = await errorOf(() => qedisk.deleteDisk('gold'));
          const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle('qedisk');
          const kept = new Uint8Array(await (await (await folder.getFileHandle('gold.qcow2')).getFile()).arrayBuffer());
          const keptDifference = model.firstDifference(kept, new Uint8Array(await source.arrayBuffer()));
          await qedisk.deleteDisk('work');
          await qedisk.deleteDisk('gold');
          const left: string[] = [];
          for await (const [name] of folder.entries()) left.push(name);
          return { record, listed, openBase, createOverBase, before, info, deleteWhileOpen, deleteBase, keptDifference, keptBytes: kept.byteLength, left, listedAfter: await qedisk.listDisks() };
        },
        { url, at: WRITE_AT, length: WRITE_BYTES, byte: WRITE_BYTE },
      );
      expect(result.record).toMatchObject({ name: 'gold', size: raw.byteLength, format: 'qcow2' });
      expect(result.listed).toEqual([{ name: 'gold', format: 'qcow2', size: raw.byteLength }]);
      expect(result.keptDifference).toBe(-1); // kept byte for byte
      expect(result.keptBytes).toBe(qcow2.byteLength);
      expect(result.openBase).toMatchObject({ name: 'QedArgumentError' });
      expect(result.openBase?.message).toContain('gold.qcow2');
      expect(result.createOverBase).toMatchObject({ name: 'DiskExistsError', diskName: 'gold' });
      expect(Buffer.from(result.before).equals(Buffer.from(raw.subarray(0, MIB)))).toBe(true);
      expect(result.info).toMatchObject({ virtualSize: raw.byteLength, backingFile: 'gold.qcow2', backingFormat: 'probe' });
      expect(result.info.chain?.map((level) => level.kind)).toEqual(['image']);
      // While the overlay is open it holds the base's shared lock; once closed its header still names it.
      expect(result.deleteWhileOpen).toMatchObject({ name: 'DiskBusyError', diskName: 'gold' });
      expect(result.deleteBase).toMatchObject({ name: 'DiskInUseError', diskName: 'gold' });
      expect(result.left).toEqual([]);
      expect(result.listedAfter).toEqual([]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  test('QEMU opens the exported overlay next to the qcow2 base it names and reads what the page wrote', async ({ page }) => {
    const work = mkdtempSync(join(tmpdir(), 'qedisk-formats-pair-'));
    try {
      const raw = compressibleDisk();
      writeFileSync(join(work, 'source.raw'), raw);
      execFileSync('qemu-img', ['convert', '-c', '-f', 'raw', '-O', 'qcow2', join(work, 'source.raw'), join(work, 'gold.qcow2')]);
      const url = writeFixture('base-opfs.qcow2', readFileSync(join(work, 'gold.qcow2')));
      await saveDownload(page, join(work, 'work.qed'), () =>
        page.evaluate(
          async ({ url, at, length, byte }) => {
            const { qedisk, download } = window.harness;
            await qedisk.importDisk('gold', await (await fetch(url)).blob(), { keepAsBase: true });
            const disk = await qedisk.openDisk('work', { create: { base: { kind: 'opfs', name: 'gold' } } });
            await disk.write(at, new Uint8Array(length).fill(byte));
            download(await disk.exportFile());
            await disk.close();
          },
          { url, at: WRITE_AT, length: WRITE_BYTES, byte: WRITE_BYTE },
        ),
      );
      // The overlay names "gold.qcow2" without a format: QEMU probes it, as qedisk did.
      const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', 'work.qed'], { cwd: work, encoding: 'utf8' })) as Record<string, unknown>;
      expect(info['format']).toBe('qed');
      expect(info['backing-filename']).toBe('gold.qcow2');
      expect(info['backing-filename-format']).toBeUndefined();
      const check = qemuImg(work, 'check', 'work.qed');
      expect(check.status, check.output).toBe(0);
      const expected = raw.slice();
      expected.fill(WRITE_BYTE, WRITE_AT, WRITE_AT + WRITE_BYTES);
      writeFileSync(join(work, 'expected.raw'), expected);
      const compare = qemuImg(work, 'compare', '-f', 'qed', '-F', 'raw', 'work.qed', 'expected.raw');
      expect(compare.status, compare.output).toBe(0);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  test('keeps VMDK, VHD, VHDX and VDI images as OPFS bases (a fixed VHD as raw) that overlays read as qemu-img does', async ({ page }) => {
    const grid = writeGrid(GRID, ['vmdk-sparse', 'vmdk-stream', 'vhd-dynamic', 'vhd-fixed', 'vhdx', 'vdi-dynamic', 'vdi-static', 'qcow2-zstd']);
    const results = await page.evaluate(async (images) => {
      const { qedisk, compareWholeDisk } = window.harness;
      const out = [];
      for (const image of images) {
        const record = await qedisk.importDisk(image.label, await (await fetch(image.url)).blob(), { keepAsBase: true });
        const expected = new Uint8Array(await (await fetch(image.rawUrl)).arrayBuffer());
        const disk = await qedisk.openDisk(`${image.label}-top`, { create: { base: { kind: 'opfs', name: image.label } } });
        const difference = await compareWholeDisk(disk, expected);
        const info = await disk.info();
        await disk.close();
        out.push({ label: image.label, format: record.format, size: disk.size, difference, backingFile: info.backingFile, backingFormat: info.backingFormat });
      }
      for (const image of images) {
        await qedisk.deleteDisk(`${image.label}-top`);
        await qedisk.deleteDisk(image.label);
      }
      const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle('qedisk');
      const files: string[] = [];
      for await (const [name] of folder.entries()) files.push(name);
      return { out, files };
    }, grid);
    const suffix: Record<string, string> = { vmdk: 'vmdk', vpc: 'vhd', vhdx: 'vhdx', vdi: 'vdi', qcow2: 'qcow2' };
    for (const image of grid) {
      const result = results.out.find((entry) => entry.label === image.label);
      const fixed = image.label === 'vhd-fixed';
      expect(result, image.label).toEqual({
        label: image.label,
        format: fixed ? 'raw' : image.source,
        size: image.virtualSize,
        difference: -1,
        backingFile: `${image.label}.${fixed ? 'raw' : suffix[image.source]}`,
        backingFormat: fixed ? 'raw' : 'probe',
      });
    }
    expect(results.files).toEqual([]);
  });

  test('reads a compressed qcow2 base over HTTP lazily, fetching fewer bytes than the same disk as a raw base', async ({ page }) => {
    const work = mkdtempSync(join(tmpdir(), 'qedisk-formats-http-'));
    let qcow2: Buffer;
    const raw = compressibleDisk();
    try {
      writeFileSync(join(work, 'source.raw'), raw);
      execFileSync('qemu-img', ['convert', '-c', '-f', 'raw', '-O', 'qcow2', join(work, 'source.raw'), join(work, 'base.qcow2')]);
      qcow2 = readFileSync(join(work, 'base.qcow2'));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    const urls = { qcow2: writeFixture('base-http.qcow2', qcow2), raw: writeFixture('base-http.raw', raw) };
    const result = await page.evaluate(async ({ qcow2, raw, mib }) => {
      const { qedisk, model, errorOf, compareWholeDisk } = window.harness;
      const expected = new Uint8Array(await (await fetch(raw)).arrayBuffer());
      const wrong = await errorOf(() => qedisk.openDisk('wrong', { create: { base: { kind: 'url', url: qcow2, format: 'vmdk' } } }));
      const unknown = await errorOf(() => qedisk.openDisk('unknown', { create: { base: { kind: 'url', url: qcow2, format: 'qcow3' as 'qcow2' } } }));
      const measure = async (name: string, url: string, format: 'qcow2' | 'probe' | 'raw') => {
        const disk = await qedisk.openDisk(name, { create: { base: { kind: 'url', url, format } } });
        const partial = await disk.read(2 * mib, mib);
        const partialInfo = await disk.info();
        const difference = await compareWholeDisk(disk, expected);
        const info = await disk.info();
        await disk.close();
        return { partialDifference: model.firstDifference(partial, expected.subarray(2 * mib, 3 * mib)), partialFetched: partialInfo.remoteBase?.bytesFetched ?? -1, difference, info };
      };
      return { wrong, unknown, qcow2: await measure('on-qcow2', qcow2, 'qcow2'), probed: await measure('probed', qcow2, 'probe'), raw: await measure('on-raw', raw, 'raw') };
    }, { ...urls, mib: MIB });
    expect(result.wrong).toMatchObject({ name: 'QedBackingError' });
    expect(result.wrong?.message).toContain('is a qcow2 image');
    expect(result.unknown).toMatchObject({ name: 'QedArgumentError' });
    for (const side of [result.qcow2, result.probed, result.raw]) {
      expect(side.partialDifference).toBe(-1);
      expect(side.difference).toBe(-1);
      expect(side.info.virtualSize).toBe(raw.byteLength);
      expect(side.info.chain?.map((level) => level.kind)).toEqual(['url']);
    }
    expect(result.qcow2.info.backingFormat).toBe('probe');
    expect(result.raw.info.backingFormat).toBe('raw');
    const fetched = { qcow2: result.qcow2.info.remoteBase?.bytesFetched ?? -1, raw: result.raw.info.remoteBase?.bytesFetched ?? -1 };
    // Read whole: the raw base is fetched whole; of the qcow2 base at most the file (compressed clusters and tables).
    expect(fetched.raw).toBe(raw.byteLength);
    expect(fetched.qcow2).toBeGreaterThan(0);
    expect(fetched.qcow2).toBeLessThanOrEqual(qcow2.byteLength);
    expect(fetched.qcow2).toBeLessThan(fetched.raw / 4);
    // A 1 MiB read fetches part of the qcow2 file only.
    expect(result.qcow2.partialFetched).toBeLessThan(qcow2.byteLength);
    expect(result.qcow2.partialFetched).toBeLessThan(result.raw.partialFetched);
    console.log(
      `[measure] HTTP base, ${raw.byteLength}-byte compressible disk read whole: raw base ${fetched.raw} bytes in ${result.raw.info.remoteBase?.requests} requests, ` +
        `compressed qcow2 base (${qcow2.byteLength}-byte file) ${fetched.qcow2} bytes in ${result.qcow2.info.remoteBase?.requests} requests; ` +
        `1 MiB read: raw ${result.raw.partialFetched}, qcow2 ${result.qcow2.partialFetched} bytes`,
    );
  });
});
