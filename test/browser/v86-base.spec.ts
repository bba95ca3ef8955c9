import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, type Page, expect, test } from './driver/index.ts';
import { answerConfirm, ensureGuestAssets, openDemo, reloadDemo, runInGuest, serialText, startGuest, stopGuest, waitForSerial, waitUntilIdle } from './v86-harness/demo-page.ts';

/** A cold Linux boot to the shell takes 35-55 s in headless Chromium here; the machine is shared. */
const BOOT_TIMEOUT_MS = 240_000;
/** A start from the saved state, with room for a busy machine. */
const RESTORE_TIMEOUT_MS = 90_000;
/** A shell command on the guest, or a page operation. */
const COMMAND_TIMEOUT_MS = 60_000;
/** Copying the whole 64 MiB base into OPFS while the guest runs: 52 s in Chromium on one clean-clone run, over 60 s on another. */
const OFFLINE_COPY_TIMEOUT_MS = 180_000;
/** The checkout's root. */
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The shared base as the dev server serves it (built by scripts/ensure-base-rootfs.mjs, which ensureGuestAssets runs). */
const BASE_ROOTFS_PATH = join(repoRoot, 'demo', 'assets', 'guest', 'base-rootfs.ext2');
/** The name of the disk made from the shared base. */
const DISK = 'shared';
/** The first line of the base's /etc/motd (scripts/build-base-rootfs.sh). */
const MOTD_LINE = 'Welcome to the qedisk shared base.';
/** A line of the base's /README. */
const README_LINE = 'qedisk shared base root file system';

/** A value nobody else writes, to find in the guest's files. */
function token(label: string): string {
  return `qedisk-${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** The raw value (`data-value`) of fact `key` of the base panel. */
async function baseFact(page: Page, key: string): Promise<string> {
  return (await page.locator(`#base-status [data-fact="${key}"]`).getAttribute('data-value')) ?? '';
}

/** The page's clock in seconds. */
async function pageSeconds(page: Page): Promise<number> {
  return page.evaluate(() => performance.now() / 1000);
}

/**
 * Starts Linux (from the saved state unless `coldBoot`), waits for the shell after QEDISK-READY
 * and returns the console text and the seconds from Start to QEDISK-READY.
 */
async function bootToShell(page: Page, options: { coldBoot?: boolean; timeoutMs: number }): Promise<{ console: string; seconds: number }> {
  const started = await pageSeconds(page);
  await startGuest(page, 'linux', { coldBoot: options.coldBoot ?? false });
  await waitForSerial(page, /^QEDISK-READY$/m, options.timeoutMs);
  const seconds = (await pageSeconds(page)) - started;
  await waitForSerial(page, /^qedisk# /m, COMMAND_TIMEOUT_MS);
  const text = await serialText(page);
  expect(text).toMatch(/^QEDISK-EXISTING-FS$/m);
  expect(text).not.toMatch(/^QEDISK-FORMATTED$/m);
  return { console: text, seconds };
}

/** Runs `command` in the guest and returns its output (the console text after it). */
function inGuest(page: Page, command: string, marker: string): Promise<string> {
  return runInGuest(page, command, marker, COMMAND_TIMEOUT_MS);
}

/** Presses `selector` (a page operation) and waits until the page is idle again. */
async function operate(page: Page, selector: string, options: { confirm?: boolean; timeoutMs?: number } = {}): Promise<void> {
  await page.click(selector);
  if (options.confirm) await answerConfirm(page, 'confirm'); // destructive actions ask first (issue 11)
  await waitUntilIdle(page, options.timeoutMs);
}

// One browser context for the whole story: OPFS (overlay, base cache, saved state) and the
// service worker's cache live as long as it does.
test.describe.configure({ mode: 'serial' });

test.describe('v86 boots from the shared base with an OPFS overlay, online and offline', () => {
  const kept = token('kept');
  const frozen = token('frozen');
  const later = token('later');
  const figures: string[] = [];
  let context: BrowserContext;
  let page: Page;
  let baseBytes = 0;

  test.beforeAll(async ({ browser, baseURL }) => {
    test.setTimeout(600_000);
    ensureGuestAssets();
    baseBytes = statSync(BASE_ROOTFS_PATH).size;
    context = await browser.newContext({ baseURL, acceptDownloads: true });
    page = await context.newPage();
  });

  test.afterAll(async () => {
    for (const line of figures) console.log(`[measure] ${line}`);
    await context.close();
  });

  test('makes a disk on the shared base, boots it cold, writes a file, and finds it after a reload', async () => {
    test.setTimeout(BOOT_TIMEOUT_MS + RESTORE_TIMEOUT_MS + 6 * COMMAND_TIMEOUT_MS);
    await openDemo(page);
    await expect(page.locator('#offline-status')).toHaveAttribute('data-mode', 'controlled');
    await page.fill('#base-name', DISK);
    await operate(page, '#base-create');
    await expect(page.locator(`#disk-list li.selected[data-disk="${DISK}"]`)).toBeVisible();
    await expect(page.locator('#base-disk')).toHaveAttribute('data-disk', DISK);
    expect(Number(await baseFact(page, 'base-total'))).toBe(baseBytes);

    const first = await bootToShell(page, { coldBoot: true, timeoutMs: BOOT_TIMEOUT_MS });
    expect(first.console).toMatch(/^QEDISK-START: cold$/m);
    expect(first.console).toContain(MOTD_LINE); // the init shows the base's /etc/motd
    expect(await inGuest(page, 'cat /mnt/README', 'DONE-README')).toContain(README_LINE);
    await inGuest(page, `echo ${kept} > /mnt/f; sync`, 'DONE-WRITE');
    // What the first boot and those commands cost in downloads (the panel polls baseStatus()).
    await page.waitForTimeout(1500);
    const fetched = Number(await baseFact(page, 'base-fetched'));
    const requests = Number(await baseFact(page, 'base-requests'));
    const cached = Number(await baseFact(page, 'base-cached'));
    expect(fetched).toBeGreaterThan(0);
    figures.push(`first boot: fetched ${fetched} bytes of the ${baseBytes}-byte base (${((100 * fetched) / baseBytes).toFixed(1)} %) in ${requests} requests; ${cached} bytes cached`);
    figures.push(`first boot (online, cold, uncached base): Start to QEDISK-READY ${first.seconds.toFixed(1)} s`);
    await waitForSerial(page, /\[saved the guest state for fast starts/, COMMAND_TIMEOUT_MS);

    await reloadDemo(page);
    await expect(page.locator('#disk-list li.selected')).toHaveAttribute('data-disk', DISK);
    const again = await bootToShell(page, { timeoutMs: RESTORE_TIMEOUT_MS });
    figures.push(`after a reload (online, saved-state start): Start to QEDISK-READY ${again.seconds.toFixed(1)} s`);
    expect(await inGuest(page, 'cat /mnt/f', 'DONE-READ')).toMatch(new RegExp(`^${kept}$`, 'm'));
  });

  test('loads from the service worker with the network off and boots cold from OPFS, reading the file and the base', async ({ setOffline }) => {
    test.setTimeout(BOOT_TIMEOUT_MS + 5 * COMMAND_TIMEOUT_MS);
    await setOffline(context, true);
    try {
      // The network is really off, for the service worker too: an uncached URL fails.
      const uncached = await page.evaluate(() => fetch(`/demo/assets/guest/sha256sums.txt?offline-probe=${Math.random()}`).then(() => 'answered', () => 'failed'));
      expect(uncached).toBe('failed');
      await reloadDemo(page);
      await expect(page.locator('#offline-status')).toHaveAttribute('data-mode', 'controlled');
      await expect(page.locator('#disk-list li.selected')).toHaveAttribute('data-disk', DISK);
      const offline = await bootToShell(page, { coldBoot: true, timeoutMs: BOOT_TIMEOUT_MS });
      expect(offline.console).toMatch(/^QEDISK-START: cold$/m);
      figures.push(`offline boot (cold, base from the OPFS cache, page from the service worker): Start to QEDISK-READY ${offline.seconds.toFixed(1)} s`);
      const output = await inGuest(page, 'cat /mnt/f /mnt/README', 'DONE-OFFLINE-READ');
      expect(output).toMatch(new RegExp(`^${kept}$`, 'm'));
      expect(output).toContain(README_LINE);
      expect(Number(await baseFact(page, 'base-fetched'))).toBe(0);
      await expect(page.locator('#status')).not.toHaveClass(/error/);
    } finally {
      await setOffline(context, false);
    }
  });

  test('makes the whole base available offline on request', async () => {
    test.setTimeout(OFFLINE_COPY_TIMEOUT_MS + COMMAND_TIMEOUT_MS);
    await operate(page, '#base-offline', { timeoutMs: OFFLINE_COPY_TIMEOUT_MS });
    await expect(page.locator('#base-status [data-fact="base-complete"]')).toHaveAttribute('data-value', 'true');
    expect(Number(await baseFact(page, 'base-cached'))).toBe(baseBytes);
    await expect(page.locator('#base-offline')).toBeDisabled();
  });

  test('restores the state a snapshot froze: written before it present, written after it gone', async () => {
    test.setTimeout(RESTORE_TIMEOUT_MS + 6 * COMMAND_TIMEOUT_MS);
    await inGuest(page, `echo ${frozen} > /mnt/a; sync`, 'DONE-A');
    await page.fill('#snapshot-label', 'with-a');
    await operate(page, '#snapshot-take');
    await expect(page.locator('#snapshot-list li[data-label="with-a"]')).toBeVisible();
    await inGuest(page, `echo ${later} > /mnt/b; sync`, 'DONE-B');
    expect(await inGuest(page, 'cat /mnt/b', 'DONE-READ-B')).toMatch(new RegExp(`^${later}$`, 'm'));

    await operate(page, '#snapshot-list li[data-label="with-a"] button[data-action="restore"]', { confirm: true });
    await expect(page.locator('#vm-state')).toHaveText('stopped');
    await bootToShell(page, { timeoutMs: RESTORE_TIMEOUT_MS });
    const files = await inGuest(page, 'cat /mnt/a /mnt/f; ls /mnt/b', 'DONE-RESTORED');
    expect(files).toMatch(new RegExp(`^${frozen}\\n${kept}$`, 'm'));
    expect(files).toMatch(/No such file or directory/);
    expect(files).not.toContain(later);
  });

  test('resets to the pristine base: the guest’s files are gone, the base’s own are there, snapshots stay until deleted', async () => {
    test.setTimeout(RESTORE_TIMEOUT_MS + 4 * COMMAND_TIMEOUT_MS);
    await operate(page, '#base-reset', { confirm: true });
    await bootToShell(page, { timeoutMs: RESTORE_TIMEOUT_MS });
    const files = await inGuest(page, 'ls /mnt/f /mnt/a; cat /mnt/README', 'DONE-RESET');
    expect(files).toMatch(/\/mnt\/f.*No such file or directory/);
    expect(files).toMatch(/\/mnt\/a.*No such file or directory/);
    expect(files).toContain(README_LINE);
    expect(files).not.toContain(kept);

    // The Undo snapshots of the restore and the reset sit on "with-a"; they go first.
    const undoSnapshots = page.locator('#snapshot-list li[data-label^="before "]');
    await expect(undoSnapshots).toHaveCount(2);
    while ((await undoSnapshots.count()) > 0) {
      await operate(page, '#snapshot-list li[data-label^="before "] >> nth=0 >> button[data-action="delete"]', { confirm: true });
    }
    // The disk no longer reads through the snapshot, so it can go.
    await operate(page, '#snapshot-list li[data-label="with-a"] button[data-action="delete"]', { confirm: true });
    await expect(page.locator('#snapshot-list li[data-label="with-a"]')).toHaveCount(0);
  });

  test('exports the overlay on the base, which QEMU reads next to the base file, and a flattened image with the same contents', async () => {
    test.setTimeout(4 * COMMAND_TIMEOUT_MS);
    await stopGuest(page);
    const work = mkdtempSync(join(tmpdir(), 'qedisk-v86-base-'));
    try {
      const overlay = join(work, 'overlay.qed');
      const flat = join(work, 'flat.qed');
      for (const [button, path] of [['#export-overlay', overlay], ['#export-flat', flat]] as const) {
        const [download] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
        await download.saveAs(path);
        await waitUntilIdle(page);
      }
      const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', overlay], { encoding: 'utf8' })) as Record<string, unknown>;
      expect(info['backing-filename']).toBe(new URL('/demo/assets/guest/base-rootfs.ext2', page.url()).href);
      expect(info['backing-filename-format']).toBe('raw');
      // Point the overlay at a local copy of the base (header only), as a QEMU user would.
      execFileSync('qemu-img', ['rebase', '-u', '-f', 'qed', '-b', BASE_ROOTFS_PATH, '-F', 'raw', overlay]);
      const overlayCheck = spawnSync('qemu-img', ['check', '-f', 'qed', overlay], { encoding: 'utf8' });
      expect(overlayCheck.status, `qemu-img check: ${overlayCheck.stdout}${overlayCheck.stderr}`).toBe(0);
      const compare = spawnSync('qemu-img', ['compare', '-f', 'qed', '-F', 'qed', overlay, flat], { encoding: 'utf8' });
      expect(compare.status, `qemu-img compare: ${compare.stdout}${compare.stderr}`).toBe(0);
      const check = spawnSync('qemu-img', ['check', '-f', 'qed', flat], { encoding: 'utf8' });
      expect(check.status, `qemu-img check: ${check.stdout}${check.stderr}`).toBe(0);
      const raw = join(work, 'flat.raw');
      execFileSync('qemu-img', ['convert', '-f', 'qed', '-O', 'raw', flat, raw]);
      const read = (path: string): string => execFileSync('debugfs', ['-R', `cat ${path}`, raw], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      expect(read('/README')).toContain(README_LINE);
      expect(read('/a')).toBe('');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
