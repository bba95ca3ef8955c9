import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, type Page, expect, test } from './driver/index.ts';
import { ensureGuestAssets, openDemo, runInGuest, serialText, startGuest, stopGuest, waitForSerial, waitUntilIdle } from './v86-harness/demo-page.ts';

/** A cold Linux boot to the shell takes 35-55 s in headless Chromium here, and over 4 min on the shared machine under load. */
const BOOT_TIMEOUT_MS = 480_000;
/** A shell command on the guest, or a page operation. */
const COMMAND_TIMEOUT_MS = 60_000;
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const GUEST_DIR = join(repoRoot, 'demo', 'assets', 'guest');
/** The compressed qcow2 base as the dev server serves it (made by scripts/ensure-base-qcow2.mjs). */
const QCOW2_BASE_PATH = join(GUEST_DIR, 'base-rootfs.qcow2');
const EXT2_BASE_PATH = join(GUEST_DIR, 'base-rootfs.ext2');
/** The name of the disk made from the qcow2 base. */
const DISK = 'packed';
/** The first line of the base's /etc/motd, and a line of its /README. */
const MOTD_LINE = 'Welcome to the qedisk shared base.';
const README_LINE = 'qedisk shared base root file system';

/** The raw value (`data-value`) of fact `key` of the base panel. */
async function baseFact(page: Page, key: string): Promise<string> {
  return (await page.locator(`#base-status [data-fact="${key}"]`).getAttribute('data-value')) ?? '';
}

test.describe.configure({ mode: 'serial' });

test.describe('v86 boots from the compressed qcow2 base over HTTP, and QEMU reads the overlay it wrote', () => {
  const token = `qedisk-qcow2-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  let context: BrowserContext;
  let page: Page;

  test.beforeAll(async ({ browser, baseURL }) => {
    test.setTimeout(600_000);
    ensureGuestAssets();
    execFileSync('flock', [join(tmpdir(), 'qedisk-guest-assets.lock'), process.execPath, join(repoRoot, 'scripts', 'ensure-base-qcow2.mjs'), '--strict'], { stdio: 'inherit', timeout: 300_000 });
    context = await browser.newContext({ baseURL, acceptDownloads: true });
    page = await context.newPage();
  });

  test.afterAll(async () => {
    await context.close();
  });

  test('makes a disk on the qcow2 base, boots it cold, writes a file; the exported overlay opens in QEMU next to the qcow2 file', async () => {
    test.setTimeout(BOOT_TIMEOUT_MS + 8 * COMMAND_TIMEOUT_MS);
    await openDemo(page);
    await page.fill('#base-name', DISK);
    await page.click('#base-create-qcow2');
    await waitUntilIdle(page);
    await expect(page.locator(`#disk-list li.selected[data-disk="${DISK}"]`)).toBeVisible();
    await expect(page.locator('#base-disk')).toHaveAttribute('data-disk', DISK);
    const qcow2Bytes = statSync(QCOW2_BASE_PATH).size;
    expect(Number(await baseFact(page, 'base-total'))).toBe(qcow2Bytes);

    await startGuest(page, 'linux', { coldBoot: true });
    try {
      await waitForSerial(page, /^QEDISK-READY$/m, BOOT_TIMEOUT_MS);
    } catch (error) {
      const status = await page.locator('#status').textContent();
      throw new Error(`no shell: ${String(error)}\nstatus: ${status ?? ''}\n--- console ---\n${(await serialText(page)).slice(-3000)}`);
    }
    await waitForSerial(page, /^qedisk# /m, COMMAND_TIMEOUT_MS);
    const output = await serialText(page);
    expect(output).toMatch(/^QEDISK-EXISTING-FS$/m);
    expect(output).not.toMatch(/^QEDISK-FORMATTED$/m);
    expect(output).toContain(MOTD_LINE);
    expect(await runInGuest(page, 'cat /mnt/README', 'DONE-README', COMMAND_TIMEOUT_MS)).toContain(README_LINE);
    await runInGuest(page, `echo ${token} > /mnt/f; sync`, 'DONE-WRITE', COMMAND_TIMEOUT_MS);
    await page.waitForTimeout(1500); // the panel polls baseStatus()
    const fetched = Number(await baseFact(page, 'base-fetched'));
    expect(fetched).toBeGreaterThan(0);
    expect(fetched).toBeLessThanOrEqual(qcow2Bytes);
    console.log(`[measure] qcow2 base: the first boot fetched ${fetched} bytes of the ${qcow2Bytes}-byte compressed qcow2 base (${statSync(EXT2_BASE_PATH).size}-byte ext2 as raw)`);

    await stopGuest(page);
    const work = mkdtempSync(join(tmpdir(), 'qedisk-v86-qcow2-'));
    try {
      const overlay = join(work, 'overlay.qed');
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-overlay')]);
      await download.saveAs(overlay);
      await waitUntilIdle(page);
      const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', overlay], { encoding: 'utf8' })) as Record<string, unknown>;
      expect(info['backing-filename']).toBe(new URL('/demo/assets/guest/base-rootfs.qcow2', page.url()).href);
      expect(info['backing-filename-format']).toBeUndefined(); // unmarked: QEMU probes it, as qedisk did
      // Point the overlay at a local copy of the qcow2 base (header only), as a QEMU user would.
      copyFileSync(QCOW2_BASE_PATH, join(work, 'base-rootfs.qcow2'));
      execFileSync('qemu-img', ['rebase', '-u', '-f', 'qed', '-b', 'base-rootfs.qcow2', '-F', 'qcow2', overlay]);
      const check = spawnSync('qemu-img', ['check', '-f', 'qed', overlay], { encoding: 'utf8' });
      expect(check.status, `qemu-img check: ${check.stdout}${check.stderr}`).toBe(0);
      const raw = join(work, 'disk.raw');
      execFileSync('qemu-img', ['convert', '-f', 'qed', '-O', 'raw', overlay, raw]);
      const read = (path: string): string => execFileSync('debugfs', ['-R', `cat ${path}`, raw], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      expect(read('/f').trim()).toBe(token);
      expect(read('/README')).toContain(README_LINE);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
