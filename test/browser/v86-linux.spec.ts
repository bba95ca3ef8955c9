import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type Page, expect, test } from './driver/index.ts';
import {
  createDisk,
  damageSavedStates,
  ensureGuestAssets,
  exportDisk,
  openDemo,
  reloadDemo,
  runInGuest,
  secondsSinceLoad,
  serialText,
  startGuest,
  stopGuest,
  waitForSerial,
} from './v86-harness/demo-page.ts';

/** A cold Linux boot to the shell takes 35-55 s in headless Chromium here; the machine is shared. */
const BOOT_TIMEOUT_MS = 240_000;
/** A start from the saved state (a few seconds here), with room for a busy machine. */
const RESTORE_TIMEOUT_MS = 90_000;
/** A shell command on the guest. */
const COMMAND_TIMEOUT_MS = 60_000;
/** Virtual size of the test disk. */
const DISK_MIB = 32;

/** A value nobody else writes, to find in the guest's files. */
function token(label: string): string {
  return `qedisk-${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Waits for the shell after QEDISK-READY and returns the console text of this start. */
async function waitForShell(page: Page, timeoutMs: number, label: string): Promise<string> {
  await waitForSerial(page, /^QEDISK-READY$/m, timeoutMs);
  console.log(`${label}: page load to QEDISK-READY in ${(await secondsSinceLoad(page)).toFixed(1)} s`);
  await waitForSerial(page, /^qedisk# /m, COMMAND_TIMEOUT_MS);
  return serialText(page);
}

// One browser context for the whole story: OPFS (disk and saved state) lives as long as it does.
test.describe.configure({ mode: 'serial' });

test.describe('v86 boots Linux on a qedisk disk, cold and from a saved state', () => {
  const first = token('first');
  const second = token('second');
  let context: BrowserContext;
  let page: Page;

  test.beforeAll(async ({ browser, baseURL }) => {
    ensureGuestAssets();
    context = await browser.newContext({ baseURL });
    page = await context.newPage();
  });

  test.afterAll(async () => {
    await context.close();
  });

  test('boots cold on a new disk, formats it, and saves the guest state at the snapshot point', async () => {
    test.setTimeout(BOOT_TIMEOUT_MS + 3 * COMMAND_TIMEOUT_MS);
    await openDemo(page);
    await createDisk(page, 'linux', DISK_MIB);
    await startGuest(page, 'linux');
    const boot = await waitForShell(page, BOOT_TIMEOUT_MS, 'cold first boot');
    expect(boot).toMatch(/^QEDISK-SNAPSHOT-POINT$/m);
    expect(boot).toMatch(/^QEDISK-START: cold$/m);
    expect(boot).toMatch(/^QEDISK-FORMATTED$/m);
    await waitForSerial(page, /\[saved the guest state for fast starts \([\d.]+ MB, [\d.]+ MB stored\)\]/, COMMAND_TIMEOUT_MS);
    await runInGuest(page, `echo ${first} > /mnt/first.txt; sync`, 'DONE-FIRST', COMMAND_TIMEOUT_MS);
  });

  test('starts from the saved state, writes a file, and reads it back after a reload and another saved-state start', async () => {
    test.setTimeout(2 * RESTORE_TIMEOUT_MS + 6 * COMMAND_TIMEOUT_MS);
    await reloadDemo(page);
    await expect(page.locator('#disk-list li.selected')).toHaveAttribute('data-disk', 'linux');
    await startGuest(page, 'linux');
    const restored = await waitForShell(page, RESTORE_TIMEOUT_MS, 'saved-state start');
    expect(restored).toMatch(/^QEDISK-START: restored$/m);
    expect(restored).not.toMatch(/^QEDISK-SNAPSHOT-POINT$/m);
    expect(restored).toMatch(/^QEDISK-EXISTING-FS$/m);
    expect(restored).not.toMatch(/^QEDISK-FORMATTED$/m);
    expect(await runInGuest(page, 'cat /mnt/first.txt', 'DONE-READ-FIRST', COMMAND_TIMEOUT_MS)).toMatch(new RegExp(`^${first}$`, 'm'));
    await runInGuest(page, `echo ${second} > /mnt/second.txt; sync`, 'DONE-SECOND', COMMAND_TIMEOUT_MS);

    await reloadDemo(page);
    await startGuest(page, 'linux');
    const again = await waitForShell(page, RESTORE_TIMEOUT_MS, 'second saved-state start');
    expect(again).toMatch(/^QEDISK-START: restored$/m);
    expect(again).toMatch(/^QEDISK-EXISTING-FS$/m);
    const listing = await runInGuest(page, 'cat /mnt/second.txt /mnt/first.txt', 'DONE-READ-BOTH', COMMAND_TIMEOUT_MS);
    expect(listing).toMatch(new RegExp(`^${second}\\n${first}$`, 'm'));
  });

  test('boots cold when asked, although a saved state exists', async () => {
    test.setTimeout(3 * COMMAND_TIMEOUT_MS);
    await reloadDemo(page);
    await startGuest(page, 'linux', { coldBoot: true });
    await expect(page.locator('#status')).toHaveText(/^Booting Linux \(cold boot\): \d+ s, /);
    // Stopped long before the guest reaches the disk: nothing is written, no state is saved.
    await stopGuest(page);
    expect(await serialText(page)).not.toMatch(/^QEDISK-START:/m);
  });

  test('drops a damaged saved state, boots cold, saves a new state, and starts from it after a reload', async () => {
    test.setTimeout(BOOT_TIMEOUT_MS + RESTORE_TIMEOUT_MS + 6 * COMMAND_TIMEOUT_MS);
    expect(await damageSavedStates(page)).toBe(1);
    await startGuest(page, 'linux');
    const boot = await waitForShell(page, BOOT_TIMEOUT_MS, 'cold boot after a damaged state');
    expect(boot).toMatch(/\[the saved state was damaged; it was deleted, booting cold\]/);
    expect(boot).toMatch(/^QEDISK-START: cold$/m);
    expect(boot).toMatch(/^QEDISK-EXISTING-FS$/m);
    const listing = await runInGuest(page, 'cat /mnt/first.txt /mnt/second.txt', 'DONE-READ-COLD', COMMAND_TIMEOUT_MS);
    expect(listing).toMatch(new RegExp(`^${first}\\n${second}$`, 'm'));
    await waitForSerial(page, /\[saved the guest state for fast starts \([\d.]+ MB, [\d.]+ MB stored\)\]/, COMMAND_TIMEOUT_MS);

    await reloadDemo(page);
    await startGuest(page, 'linux');
    const restored = await waitForShell(page, RESTORE_TIMEOUT_MS, 'saved-state start after the new state');
    expect(restored).toMatch(/^QEDISK-START: restored$/m);
    const again = await runInGuest(page, 'cat /mnt/first.txt /mnt/second.txt', 'DONE-READ-RESTORED', COMMAND_TIMEOUT_MS);
    expect(again).toMatch(new RegExp(`^${first}\\n${second}$`, 'm'));
    // Unmounted, the file system is marked clean for e2fsck below.
    await runInGuest(page, 'cd / && umount /mnt && echo UNMOUNTED', 'DONE-UMOUNT', COMMAND_TIMEOUT_MS);
    expect(await serialText(page)).toMatch(/^UNMOUNTED$/m);
  });

  test('exports a .qed that qemu-img checks clean, holding a clean ext2 file system with both files', async () => {
    test.setTimeout(3 * COMMAND_TIMEOUT_MS);
    const work = mkdtempSync(join(tmpdir(), 'qedisk-v86-'));
    try {
      const qedPath = join(work, 'linux.qed');
      const rawPath = join(work, 'linux.raw');
      await exportDisk(page, 'linux', qedPath);
      const check = spawnSync('qemu-img', ['check', '-f', 'qed', qedPath], { encoding: 'utf8' });
      expect(check.status, `qemu-img check: ${check.stdout}${check.stderr}`).toBe(0);
      execFileSync('qemu-img', ['convert', '-f', 'qed', '-O', 'raw', qedPath, rawPath]);
      const fsck = spawnSync('e2fsck', ['-f', '-n', rawPath], { encoding: 'utf8' });
      expect(fsck.status, `e2fsck: ${fsck.stdout}${fsck.stderr}`).toBe(0);
      const read = (path: string): string => execFileSync('debugfs', ['-R', `cat ${path}`, rawPath], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      expect(read('/first.txt')).toBe(`${first}\n`);
      expect(read('/second.txt')).toBe(`${second}\n`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
