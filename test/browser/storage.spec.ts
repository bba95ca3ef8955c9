import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Download, expect, test } from './driver/index.ts';
import { mke2fs } from '../fs/native.ts';
import { importDisks, workDir } from './files-support.ts';
import { openHarness } from './harness/pages.ts';

const MiB = 1024 * 1024;

/** A 64 MiB empty ext2 file system (4 KiB blocks) on the whole disk, as QED bytes (qemu-img, 64 KiB clusters). */
function emptyExt2(): Buffer {
  const { dir, done } = workDir();
  try {
    const rawPath = join(dir, 'disk.raw');
    mke2fs(rawPath, '64M', ['-t', 'ext2', '-b', '4096', '-L', 'storage']);
    execFileSync('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qed', '-o', 'cluster_size=65536', rawPath, join(dir, 'disk.qed')]);
    return readFileSync(join(dir, 'disk.qed'));
  } finally {
    done();
  }
}

test.describe('giving storage back', () => {
  test('a guest file written then deleted: storageReport counts it, compactDisk with freeUnusedBlocks shrinks the file and estimate(), the kept file reads back, QEMU checks the export', async ({ page }) => {
    const { dir, done } = workDir();
    try {
      const downloads: Download[] = [];
      page.on('download', (item) => downloads.push(item));
      await importDisks(page, { guest: emptyExt2() });
      const result = await page.evaluate(async (mib) => {
        const { qedisk, model, download } = window.harness;
        const files = await qedisk.openFiles('guest');
        const keep = model.patternBytes(1 * mib, 7);
        await files.writeFile('/keep.bin', keep);
        await files.writeFile('/big.bin', model.patternBytes(24 * mib, 8));
        await files.rm('/big.bin');
        files.unpin();
        await (await qedisk.openDisk('guest')).close(); // lets the files API's idle hold go, so the report can read the tables
        const before = await qedisk.storageReport();
        const progress: Array<{ file: string; done: number; total: number }> = [];
        const compacted = await qedisk.compactDisk('guest', { freeUnusedBlocks: true, onProgress: ({ file, done, total }) => progress.push({ file, done, total }) });
        const after = await qedisk.storageReport();
        const reread = await (await qedisk.openFiles('guest')).readFile('/keep.bin');
        const keepSha = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(keep))), (byte) => byte.toString(16).padStart(2, '0')).join('');
        const disk = await qedisk.openDisk('guest');
        const info = await disk.info();
        download(await disk.exportFile());
        await disk.close();
        return { before, compacted, after, progress, keepDifference: model.firstDifference(reread, keep), keepSha, physicalSize: info.physicalSize };
      }, MiB);
      const beforeDisk = result.before.disks.find((disk) => disk.name === 'guest');
      const afterDisk = result.after.disks.find((disk) => disk.name === 'guest');
      // Before: the deleted file's 24 MiB still sit in the disk's file (the guest has no TRIM), nothing leaked yet.
      expect(beforeDisk).toMatchObject({ format: 'qed', open: false, snapshots: [], export: null, base: null, url: null });
      expect(beforeDisk?.file.bytes).toBeGreaterThan(25 * MiB);
      expect(beforeDisk?.file.reclaimableBytes).toBe(0);
      expect(result.before.estimate).not.toBeNull();
      expect(result.before.totalBytes).toBeGreaterThanOrEqual(beforeDisk?.totalBytes ?? Infinity);
      // The compaction: the free blocks discarded, then dropped with the file's rewrite.
      expect(result.compacted.freeSpace).toMatchObject({ fileSystem: 'ext2', skipped: null });
      expect(result.compacted.freeSpace?.discardedBytes).toBeGreaterThanOrEqual(24 * MiB);
      expect(result.compacted.files.map((file) => file.file)).toEqual(['guest.qed']);
      expect(result.compacted.bytesBefore).toBe(beforeDisk?.file.bytes);
      expect(result.compacted.bytesBefore - result.compacted.bytesAfter).toBeGreaterThanOrEqual(24 * MiB);
      expect(result.progress.at(-1)).toMatchObject({ file: 'guest.qed' });
      expect(afterDisk?.file).toEqual({ file: 'guest.qed', bytes: result.compacted.bytesAfter, reclaimableBytes: 0 });
      expect(result.physicalSize).toBe(result.compacted.bytesAfter);
      // The browser's own figure for the origin drops by about as much.
      const usageBefore = result.before.estimate?.usage ?? 0;
      const usageAfter = result.after.estimate?.usage ?? Infinity;
      console.log(`storage spec: guest.qed ${result.compacted.bytesBefore} -> ${result.compacted.bytesAfter} bytes; estimate().usage ${usageBefore} -> ${usageAfter}`);
      expect(usageBefore - usageAfter).toBeGreaterThanOrEqual(16 * MiB);
      expect(result.keepDifference).toBe(-1);

      await expect.poll(() => downloads.length).toBe(1);
      const qedPath = join(dir, 'guest.qed');
      const rawPath = join(dir, 'guest.raw');
      await downloads[0]?.saveAs(qedPath);
      expect(execFileSync('qemu-img', ['check', '-f', 'qed', qedPath], { encoding: 'utf8' })).toContain('No errors were found');
      execFileSync('qemu-img', ['convert', '-f', 'qed', '-O', 'raw', qedPath, rawPath]);
      execFileSync('e2fsck', ['-fn', rawPath], { stdio: 'pipe' });
      execFileSync('debugfs', ['-R', `dump /keep.bin ${join(dir, 'keep.bin')}`, rawPath], { stdio: 'pipe' });
      expect(createHash('sha256').update(readFileSync(join(dir, 'keep.bin'))).digest('hex')).toBe(result.keepSha);
    } finally {
      done();
    }
  });

  test('a disk open in this page is compacted in its queue and stays usable; zeroed clusters are dropped', async ({ page }) => {
    await openHarness(page);
    const result = await page.evaluate(async (mib) => {
      const { qedisk, model, resetStorage, compareWholeDisk, errorOf } = window.harness;
      await resetStorage();
      const disk = await qedisk.openDisk('open', { create: { size: 32 * mib } });
      const expected = new Uint8Array(32 * mib);
      expected.set(model.patternBytes(16 * mib, 3), 0);
      await disk.write(0, expected.subarray(0, 16 * mib));
      await disk.writeZeroes(4 * mib, 8 * mib); // zeroed in place: 128 all-zero data clusters
      expected.fill(0, 4 * mib, 12 * mib);
      await disk.flush();
      const report = await qedisk.storageReport();
      const infoBefore = await disk.info();
      const adapter = await qedisk.toV86Disk(disk);
      const attached = await errorOf(() => qedisk.compactDisk('open'));
      await adapter.detach();
      const compacted = await qedisk.compactDisk('open');
      const difference = await compareWholeDisk(disk, expected);
      await disk.write(20 * mib, model.patternBytes(mib, 4)); // still writable after the reopen
      expected.set(model.patternBytes(mib, 4), 20 * mib);
      const check = await disk.check();
      const differenceAfterWrite = await compareWholeDisk(disk, expected);
      await disk.close();
      return { report, infoBefore, attached, compacted, difference, check, differenceAfterWrite };
    }, MiB);
    const listed = result.report.disks.find((disk) => disk.name === 'open');
    expect(listed).toMatchObject({ open: true, file: { file: 'open.qed', bytes: result.infoBefore.physicalSize, reclaimableBytes: null } });
    expect(result.attached).toMatchObject({ name: 'DiskAttachedError', isQedError: true });
    expect(result.compacted.files).toHaveLength(1);
    expect(result.compacted.files[0]).toMatchObject({ file: 'open.qed', zeroClustersDropped: 128, leakedClustersDropped: 0, dataClusters: 128 });
    expect(result.compacted.bytesBefore - result.compacted.bytesAfter).toBeGreaterThanOrEqual(8 * MiB);
    expect(result.difference).toBe(-1);
    expect(result.differenceAfterWrite).toBe(-1);
    expect(result.check).toMatchObject({ corruptions: 0, leaks: 0, checkErrors: 0 });
  });

  test('snapshots, stray files, base caches and other folders are reported; base caches are freed by id', async ({ page }) => {
    await openHarness(page);
    const result = await page.evaluate(async (mib) => {
      const { qedisk, model, resetStorage, errorOf } = window.harness;
      await resetStorage();
      const disk = await qedisk.openDisk('snappy', { create: { size: 8 * mib } });
      await disk.write(0, model.patternBytes(2 * mib, 5));
      await disk.close();
      const snapshot = await qedisk.snapshotDisk('snappy', 'before compaction');
      const root = await navigator.storage.getDirectory();
      const folder = await root.getDirectoryHandle('qedisk');
      const put = async (directory: FileSystemDirectoryHandle, name: string, bytes: number): Promise<void> => {
        const writable = await (await directory.getFileHandle(name, { create: true })).createWritable();
        await writable.write(new Uint8Array(bytes));
        await writable.close();
      };
      const cacheId = 'base-0123456789abcdef0123456789abcdef';
      await put(folder, `${cacheId}.base-cache`, 300_000);
      await put(folder, `${cacheId}.base-map`, 1000);
      await put(folder, 'gone.qed.pending', 5000);
      await put(await root.getDirectoryHandle('elsewhere', { create: true }), 'a.bin', 7000);
      const report = await qedisk.storageReport();
      const freed = await qedisk.freeBaseCache(cacheId);
      const freedAgain = await errorOf(() => qedisk.freeBaseCache(cacheId));
      const malformed = await errorOf(() => qedisk.freeBaseCache('../snappy.qed'));
      const compacted = await qedisk.compactDisk('snappy');
      const missing = await errorOf(() => qedisk.compactDisk('nobody'));
      const reopened = await qedisk.openDisk('snappy');
      const difference = model.firstDifference(await reopened.read(0, 2 * mib), model.patternBytes(2 * mib, 5));
      await reopened.close();
      const after = await qedisk.storageReport();
      return { snapshotId: snapshot.id, report, freed, freedAgain, malformed, compacted, missing, difference, after };
    }, MiB);
    const snappy = result.report.disks.find((disk) => disk.name === 'snappy');
    expect(snappy?.snapshots.map((snapshot) => snapshot.id)).toEqual([result.snapshotId]);
    expect(snappy?.snapshots[0]?.reclaimableBytes).toBe(0);
    expect(snappy?.base).toBe(`snappy.${result.snapshotId}.qsnap`);
    expect(result.report.baseCaches).toEqual([{ id: 'base-0123456789abcdef0123456789abcdef', url: null, disks: [], bytes: 301_000, inUse: false, reclaimableBytes: 301_000 }]);
    expect(result.report.strayFiles).toEqual([{ file: 'gone.qed.pending', bytes: 5000, reclaimableBytes: 5000 }]);
    expect(result.report.otherStorage).toEqual([{ name: 'elsewhere', bytes: 7000, files: 1 }]);
    expect(result.report.reclaimableBytes).toBeGreaterThanOrEqual(306_000);
    expect(result.freed).toBe(301_000);
    expect(result.freedAgain).toMatchObject({ name: 'BaseCacheNotFoundError', isQedError: true });
    expect(result.malformed).toMatchObject({ name: 'QedArgumentError' });
    expect(result.compacted.files.map((file) => file.file)).toEqual([`snappy.${result.snapshotId}.qsnap`, 'snappy.qed']);
    expect(result.missing).toMatchObject({ name: 'DiskNotFoundError', diskName: 'nobody' });
    expect(result.difference).toBe(-1);
    expect(result.after.baseCaches).toEqual([]);

    // Open in another tab: refused, and the report cannot read its tables.
    const other = await page.context().newPage();
    await openHarness(other);
    await other.evaluate(async () => {
      Reflect.set(window, 'held', await window.harness.qedisk.openDisk('snappy'));
    });
    const elsewhere = await page.evaluate(async () => {
      const { qedisk, errorOf } = window.harness;
      const busy = await errorOf(() => qedisk.compactDisk('snappy'));
      const report = await qedisk.storageReport();
      return { busy, listed: report.disks.find((disk) => disk.name === 'snappy') };
    });
    expect(elsewhere.busy).toMatchObject({ name: 'DiskBusyError', diskName: 'snappy' });
    expect(elsewhere.listed).toMatchObject({ open: false, file: { file: 'snappy.qed', reclaimableBytes: null } });
    await other.close();
  });
});
