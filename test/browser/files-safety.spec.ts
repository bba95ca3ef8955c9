/**
 * The files API's safety rules in the browser: no file writes while a VM is attached (reads go
 * through an O(1) snapshot), explicit snapshots read-only, another tab's disk busy, a storage
 * quota that runs out during a write leaves a file system e2fsck -fn calls clean; and zip
 * downloads that unzip reads byte for byte.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { type Page, expect, test } from './driver/index.ts';
import { openHarness } from './harness/pages.ts';
import { type NativeDisk, check, ext4Disk, importDisks, rawFromDownload, sha256, workDir } from './files-support.ts';

let ext4: NativeDisk;

test.beforeAll(() => {
  ext4 = ext4Disk();
});

/** A fresh harness page with the ext4 image imported as disk `name`. */
async function setUp(page: Page, name: string): Promise<void> {
  await importDisks(page, { [name]: ext4.qed });
}

test.describe('files API safety', () => {
  test('refuses writes while a VM is attached, reads through one snapshot meanwhile, writes again after detach and close', async ({ page }) => {
    await setUp(page, 'vm');
    const result = await page.evaluate(async () => {
      const { qedisk, errorOf } = window.harness;
      const text = (value: string): Uint8Array => new TextEncoder().encode(value);
      const disk = await qedisk.openDisk('vm');
      const files = await qedisk.openFiles('vm');
      const before = files.snapshot;
      const adapter = await qedisk.toV86Disk(disk);
      const refused = {
        write: await errorOf(() => files.writeFile('/x.txt', text('x'))),
        mkdir: await errorOf(() => files.mkdir('/x')),
        rm: await errorOf(() => files.rm('/hello.txt')),
        rename: await errorOf(() => files.rename('/hello.txt', '/y.txt')),
      };
      const hello = new TextDecoder().decode(await files.readFile('/hello.txt'));
      const pinned = files.snapshot;
      // A second reader while nothing was written since: the same snapshot, no new one.
      const second = await qedisk.openFiles('vm');
      // The guest writes (here: raw bytes into the last MiB, outside the files): the next new reader gets a new snapshot.
      await disk.write(disk.size - 1024 * 1024, new Uint8Array(4096).fill(7));
      const third = await qedisk.openFiles('vm');
      const snapshots = (await qedisk.listSnapshots('vm')).map((snapshot) => ({ id: snapshot.id, label: snapshot.label }));
      const volume = await files.volume();
      await adapter.detach();
      await files.writeFile('/after-detach.txt', text('detached\n'));
      const afterDetach = { snapshot: files.snapshot, listed: (await files.ls('/')).some((entry) => entry.name === 'after-detach.txt') };
      // Attached again, then the disk is closed without detach: closing clears the mark.
      await qedisk.toV86Disk(disk);
      const again = await errorOf(() => files.writeFile('/again.txt', text('x')));
      await disk.close();
      await files.writeFile('/after-close.txt', text('closed\n'));
      const afterClose = new TextDecoder().decode(await files.readFile('/after-close.txt'));
      return { before, refused, hello, pinned, second: second.snapshot, third: third.snapshot, snapshots, volume, afterDetach, again, afterClose, label: qedisk.READING_SNAPSHOT_LABEL };
    });
    expect(result.before).toBeNull();
    for (const refusal of Object.values(result.refused)) expect(refusal).toMatchObject({ name: 'DiskAttachedError', isQedError: true });
    expect(result.hello).toBe('hello, disk\n');
    expect(result.pinned).toMatch(/^\d+$/);
    expect(result.second).toBe(result.pinned);
    expect(result.third).toMatch(/^\d+$/);
    expect(result.third).not.toBe(result.pinned);
    expect(result.snapshots).toEqual([
      { id: result.pinned, label: result.label },
      { id: result.third, label: result.label },
    ]);
    expect(result.volume).toMatchObject({ snapshot: result.pinned, attached: true, readOnly: true });
    expect(result.afterDetach).toEqual({ snapshot: null, listed: true });
    expect(result.again).toMatchObject({ name: 'DiskAttachedError' });
    expect(result.afterClose).toBe('closed\n');
  });

  test('reads a snapshot as it was and refuses to write it', async ({ page }) => {
    await setUp(page, 'snap');
    const result = await page.evaluate(async () => {
      const { qedisk, errorOf } = window.harness;
      const files = await qedisk.openFiles('snap');
      const snapshot = await qedisk.snapshotDisk('snap', 'before the change');
      await files.writeFile('/hello.txt', new TextEncoder().encode('changed\n'));
      await files.rm('/docs', { recursive: true });
      const old = await qedisk.openFiles('snap', { snapshot: snapshot.id });
      return {
        live: new TextDecoder().decode(await files.readFile('/hello.txt')),
        old: new TextDecoder().decode(await old.readFile('/hello.txt')),
        oldHasDocs: (await old.ls('/')).some((entry) => entry.name === 'docs'),
        info: old.info,
        write: await errorOf(() => old.writeFile('/x', new Uint8Array(1))),
        unknown: await errorOf(() => qedisk.openFiles('snap', { snapshot: '12345' })),
      };
    });
    expect(result.live).toBe('changed\n');
    expect(result.old).toBe('hello, disk\n');
    expect(result.oldHasDocs).toBe(true);
    expect(result.info).toMatchObject({ readOnly: true, attached: false });
    expect(result.write).toMatchObject({ name: 'FsReadOnlyError' });
    expect(result.unknown).toMatchObject({ name: 'SnapshotNotFoundError' });
  });

  test('gives DiskBusyError for a disk another tab holds', async ({ page, context }) => {
    await setUp(page, 'busy');
    const other = await context.newPage();
    await openHarness(other);
    await other.evaluate(async () => {
      const { qedisk, disks } = window.harness;
      disks.set('busy', await qedisk.openDisk('busy'));
    });
    const busy = await page.evaluate(() => window.harness.errorOf(() => window.harness.qedisk.openFiles('busy')));
    expect(busy).toMatchObject({ name: 'DiskBusyError', diskName: 'busy' });
    await other.close();
  });

  test('a write that runs out of storage quota on a disk on a base gives QedQuotaError and leaves ext4 clean for e2fsck -fn', async ({ page }) => {
    await setUp(page, 'base');
    const limits = [1, 4, 7];
    const { dir, done } = workDir();
    try {
      const downloads: Promise<import('./driver/index.ts').Download>[] = [];
      page.on('download', (download) => downloads.push(Promise.resolve(download)));
      const outcomes = await page.evaluate(async (steps) => {
        const { qedisk, errorOf, download, setQuotaLimitForTesting } = window.harness;
        const data = new Uint8Array(300 * 1024).map((_, i) => (i * 7) & 0xff);
        const results = [];
        for (const step of steps) {
          const name = `on-base-${step}`;
          const disk = await qedisk.openDisk(name, { create: { base: { kind: 'opfs', name: 'base' } } });
          const info = await disk.info();
          await setQuotaLimitForTesting(disk, info.physicalSize + step * 64 * 1024);
          const files = await qedisk.openFiles(name);
          const error = await errorOf(() => files.writeFile('/quota/test/data.bin', new Blob([data]), { parents: true }));
          await setQuotaLimitForTesting(disk, null);
          download(await disk.exportFlattened());
          await disk.close();
          results.push({ step, error });
        }
        return results;
      }, limits);
      await expect.poll(() => downloads.length).toBe(limits.length);
      for (const [index, outcome] of outcomes.entries()) {
        if (outcome.error) expect(outcome.error).toMatchObject({ name: 'QedQuotaError', isQedError: true });
        const raw = await rawFromDownload(await downloads[index]!, dir, `step-${outcome.step}`);
        const fsck = check('e2fsck', ['-fn', raw]);
        expect(fsck.status, `limit +${outcome.step} clusters: ${fsck.output}`).toBe(0);
      }
      expect(outcomes.filter((outcome) => outcome.error !== null).length).toBeGreaterThan(0);
    } finally {
      done();
    }
  });

  test('downloads a folder as a zip that unzip -l lists and unzip -p reads byte for byte', async ({ page }) => {
    await setUp(page, 'zip');
    const { dir, done } = workDir();
    try {
      const downloaded = page.waitForEvent('download');
      const summary = await page.evaluate(async () => {
        const { qedisk, download } = window.harness;
        const files = await qedisk.openFiles('zip');
        const { stream, entries, dataBytes } = await files.zip('/docs', { compression: 'deflate', level: 1 });
        const blob = await new Response(stream).blob();
        download(new File([blob], 'docs.zip', { type: 'application/zip' }));
        const missing = await window.harness.errorOf(() => files.zip('/no-such-folder'));
        return { entries, dataBytes, size: blob.size, missing };
      });
      const zipPath = join(dir, 'docs.zip');
      await (await downloaded).saveAs(zipPath);
      const names = execFileSync('unzip', ['-Z1', zipPath], { encoding: 'utf8' }).trim().split('\n');
      const expected = [...ext4.tree.keys()].filter((path) => path.startsWith('/docs/')).map((path) => `${path.slice(1)}${ext4.tree.get(path)?.kind === 'dir' ? '/' : ''}`);
      expect(names.sort()).toEqual(['docs/', ...expected].sort());
      expect(summary.entries).toBe(names.length);
      expect(summary.missing).toMatchObject({ name: 'FsNotFoundError' });
      let bytes = 0;
      for (const file of ext4.files.filter((entry) => entry.path.startsWith('/docs/'))) {
        const content = execFileSync('unzip', ['-p', zipPath, file.path.slice(1)], { maxBuffer: 64 * 1024 * 1024 });
        expect(sha256(content), file.path).toBe(file.sha256);
        bytes += content.byteLength;
      }
      expect(summary.dataBytes).toBe(bytes);
    } finally {
      done();
    }
  });
});
