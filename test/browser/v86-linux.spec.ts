import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import {
  createDisk,
  ensureGuestAssets,
  exportDisk,
  openDemo,
  reloadDemo,
  sendSerial,
  serialText,
  startGuest,
  waitForSerial,
} from './v86-harness/demo-page.ts';

/** One Linux boot to the shell takes 35-55 s in headless Chromium here; the machine is shared. */
const BOOT_TIMEOUT_MS = 240_000;
/** A shell command on the guest. */
const COMMAND_TIMEOUT_MS = 60_000;
/** Virtual size of the test disk. */
const DISK_MIB = 32;

test.describe('v86 boots Linux on a qedisk disk', () => {
  test.beforeAll(() => ensureGuestAssets());

  test('formats the disk on first boot, keeps a file across a reload, and exports a .qed that qemu-img accepts', async ({ page }) => {
    test.setTimeout(3 * BOOT_TIMEOUT_MS + 4 * COMMAND_TIMEOUT_MS);
    const token = `qedisk-token-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    const work = mkdtempSync(join(tmpdir(), 'qedisk-v86-'));
    try {
      // First boot: the guest finds no file system, formats the disk, and we write a file.
      let loadedAt = Date.now();
      await openDemo(page);
      await createDisk(page, 'linux', DISK_MIB);
      await startGuest(page, 'linux');
      await waitForSerial(page, /^QEDISK-READY$/m, BOOT_TIMEOUT_MS);
      console.log(`first boot: page load to QEDISK-READY in ${((Date.now() - loadedAt) / 1000).toFixed(1)} s`);
      const firstBoot = await serialText(page);
      expect(firstBoot).toMatch(/^QEDISK-FORMATTED$/m);
      expect(firstBoot).not.toMatch(/^QEDISK-EXISTING-FS$/m);
      await waitForSerial(page, /^qedisk# /m, COMMAND_TIMEOUT_MS);
      await sendSerial(page, `echo ${token} > /mnt/hello.txt; sync; echo DONE-WRITE`);
      await waitForSerial(page, /^DONE-WRITE$/m, COMMAND_TIMEOUT_MS);

      // The page reloads; the second boot mounts what is there and reads the file back.
      loadedAt = Date.now();
      await reloadDemo(page);
      await expect(page.locator('#disk-list li.selected')).toHaveAttribute('data-disk', 'linux');
      await startGuest(page, 'linux');
      await waitForSerial(page, /^QEDISK-READY$/m, BOOT_TIMEOUT_MS);
      console.log(`second boot: page load to QEDISK-READY in ${((Date.now() - loadedAt) / 1000).toFixed(1)} s`);
      const secondBoot = await serialText(page);
      expect(secondBoot).toMatch(/^QEDISK-EXISTING-FS$/m);
      expect(secondBoot).not.toMatch(/^QEDISK-FORMATTED$/m);
      await waitForSerial(page, /^qedisk# /m, COMMAND_TIMEOUT_MS);
      await sendSerial(page, 'cat /mnt/hello.txt; echo DONE-READ');
      await waitForSerial(page, /^DONE-READ$/m, COMMAND_TIMEOUT_MS);
      expect(await serialText(page)).toMatch(new RegExp(`^${token}$`, 'm'));

      // The exported file is a QED image QEMU checks clean and reads the token from.
      const qedPath = join(work, 'linux.qed');
      const rawPath = join(work, 'linux.raw');
      await exportDisk(page, 'linux', qedPath);
      const check = spawnSync('qemu-img', ['check', '-f', 'qed', qedPath], { encoding: 'utf8' });
      expect(check.status, `qemu-img check: ${check.stdout}${check.stderr}`).toBe(0);
      execFileSync('qemu-img', ['convert', '-f', 'qed', '-O', 'raw', qedPath, rawPath]);
      const raw = readFileSync(rawPath);
      expect(raw.byteLength).toBe(DISK_MIB * 1024 * 1024);
      expect(raw.indexOf(Buffer.from(`${token}\n`))).toBeGreaterThan(0);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
