/**
 * The demo as a teacher uses it (issue 11): a cold boot that shows its progress, no work lost by
 * Stop, a reload or a closed tab a few seconds after a write, destructive buttons that ask first
 * (and an Undo for the reset to the base), the guest's clock right after a fast start. Screenshots
 * of each step are kept as test artifacts (`test-results/.../*.png`).
 */
import type { TestInfo } from '@playwright/test';
import { type BrowserContext, type Page, expect, test } from './driver/index.ts';
import { createDisk, ensureGuestAssets, openDemo, reloadDemo, runInGuest, sendSerial, serialText, startGuest, stopGuest, waitForSerial, waitUntilIdle } from './v86-harness/demo-page.ts';

/** A cold Linux boot to the shell: 35-90 s in headless Chromium here, over 4 min on the shared machine under load. */
const BOOT_TIMEOUT_MS = 480_000;
/** A start from the saved state to the shell. */
const RESTORE_TIMEOUT_MS = 120_000;
/** A shell command on the guest, or a page operation. */
const COMMAND_TIMEOUT_MS = 60_000;
/** How long after a write the page is reloaded or closed (issue 11: "once a few seconds have passed"). */
const WAIT_AFTER_WRITE_MS = 3_000;
/** The disk of the walk. */
const DISK = 'lab';

test.describe.configure({ mode: 'serial' });

test.describe('the demo as a classroom tool: progress, nothing lost, nothing destroyed without asking', () => {
  const token = Date.now().toString(36);
  let context: BrowserContext;
  let page: Page;
  /** beforeunload prompts the page raised (each is accepted, so the navigation goes on). */
  let unloadPrompts = 0;

  /** Opens a page of the shared context, counting and accepting its beforeunload prompts. */
  async function newDemoPage(): Promise<Page> {
    const opened = await context.newPage();
    await opened.setViewportSize({ width: 1280, height: 800 });
    opened.on('dialog', (dialog) => {
      if (dialog.type() === 'beforeunload') unloadPrompts += 1;
      void dialog.accept();
    });
    await openDemo(opened);
    return opened;
  }

  /** Saves a screenshot of the page as artifact `name`.png of the running test. */
  async function shot(testInfo: TestInfo, name: string): Promise<void> {
    const path = testInfo.outputPath(`${name}.png`);
    await page.screenshot({ path });
    await testInfo.attach(name, { path, contentType: 'image/png' });
  }

  /**
   * Waits `WAIT_AFTER_WRITE_MS`, then until the guest's agent reports nothing left to write (the
   * guest writes back after about a second of its own time, which a loaded machine stretches);
   * records the measured window as an annotation of the test.
   */
  async function waitUntilWritten(testInfo: TestInfo, what: string, writtenAt: number): Promise<void> {
    await page.waitForTimeout(WAIT_AFTER_WRITE_MS);
    await expect(page.locator('#vm-saved')).toHaveText('all written to the disk', { timeout: COMMAND_TIMEOUT_MS });
    const description = `${what}: all written ${((Date.now() - writtenAt) / 1000).toFixed(1)} s after the write returned (checked from ${WAIT_AFTER_WRITE_MS / 1000} s on)`;
    testInfo.annotations.push({ type: 'window', description });
    console.log(`[measure] ${testInfo.project.name}: ${description}`);
  }

  /** Starts Linux (from the saved state once there is one) and waits for its shell; resolves the console (Start clears it). */
  async function startToShell(timeoutMs: number, options: { coldBoot?: boolean } = {}): Promise<string> {
    await startGuest(page, 'linux', options);
    await waitForSerial(page, /^QEDISK-READY$/m, timeoutMs);
    await expect(page.locator('#status')).toHaveText(/^Linux is ready after (\d+ s|\d+ min \d+ s)/, { timeout: COMMAND_TIMEOUT_MS });
    await waitForSerial(page, /qedisk# $/m, COMMAND_TIMEOUT_MS);
    return serialText(page);
  }

  test.beforeAll(async ({ browser, baseURL }) => {
    test.setTimeout(600_000);
    ensureGuestAssets();
    context = await browser.newContext({ baseURL });
    page = await newDemoPage();
  });

  test.afterAll(async () => {
    await context.close();
  });

  test.afterEach(async ({}, testInfo) => {
    if (testInfo.status !== testInfo.expectedStatus) console.log(`serial console:\n${(await serialText(page).catch(() => '')).slice(-3000)}\nstatus: ${await page.locator('#status').textContent().catch(() => '')}`);
  });

  test('a cold boot shows its progress over the screen and in the status line until the shell is ready', async ({}, testInfo) => {
    test.setTimeout(BOOT_TIMEOUT_MS + 4 * COMMAND_TIMEOUT_MS);
    await createDisk(page, DISK, 32);
    await startGuest(page, 'linux', { coldBoot: true });
    await expect(page.locator('#status')).toHaveText(/^Booting Linux \(cold boot\): \d+ s, /);
    await expect(page.locator('#boot-overlay')).toBeVisible();
    await expect(page.locator('#boot-overlay')).toHaveText(/^Booting Linux \(cold boot\): ([1-9]\d* s|\d+ min \d+ s), /, { timeout: COMMAND_TIMEOUT_MS });
    await shot(testInfo, 'booting');
    await waitForSerial(page, /^QEDISK-READY$/m, BOOT_TIMEOUT_MS);
    await expect(page.locator('#status')).toHaveText(/^Linux is ready after (\d+ s|\d+ min \d+ s) \(cold boot\): type commands in the serial console\.$/);
    await expect(page.locator('#boot-overlay')).toBeHidden();
    // The guest's agent reports on COM2: nothing unsaved once the first boot settled.
    await expect(page.locator('#vm-saved')).toHaveText('all written to the disk', { timeout: COMMAND_TIMEOUT_MS });
    await waitForSerial(page, /\[saved the guest state for fast starts \([\d.]+ MB, [\d.]+ MB stored\)\]/, COMMAND_TIMEOUT_MS);
    const settings = await runInGuest(page, 'cat /proc/sys/vm/dirty_writeback_centisecs /proc/sys/vm/dirty_expire_centisecs', 'DONE-SETTINGS', COMMAND_TIMEOUT_MS);
    expect(settings).toMatch(/^100\n100$/m);
    // The page sent the console's width; the shell redrew its prompt in place, not after itself.
    expect(await serialText(page)).not.toMatch(/qedisk# qedisk# /);
    await shot(testInfo, 'ready');
  });

  test('a file written right before Stop is on the disk at the next start, whose clock is the page’s', async ({}, testInfo) => {
    test.setTimeout(RESTORE_TIMEOUT_MS + 6 * COMMAND_TIMEOUT_MS);
    // No sync, no wait for write-back: Stop itself asks the guest to write what it holds. The test
    // waits only for the command to end (its marker, as a user waits for the prompt): a command the
    // shell has not read yet when Stop is pressed cannot be kept, and under load the guest's sync
    // on COM2 can run before the shell on COM1 reads a line sent in the same instant.
    await runInGuest(page, `echo stop-${token} > /mnt/stop.txt`, 'DONE-WRITE-STOP', COMMAND_TIMEOUT_MS);
    await page.click('#stop-button');
    await expect(page.locator('#vm-state')).toHaveText('stopped', { timeout: COMMAND_TIMEOUT_MS });
    await waitUntilIdle(page);
    await expect(page.locator('#status')).toHaveText('VM stopped: the guest wrote everything it held, and the disk is flushed.');
    await shot(testInfo, 'stopped');

    // The saved state was made minutes ago; the page sets the guest's clock when it starts from it.
    const restored = await startToShell(RESTORE_TIMEOUT_MS);
    expect(restored).toMatch(/^QEDISK-START: restored$/m);
    await expect(page.locator('#status')).toHaveText(/ from the saved state: type commands/);
    expect(await runInGuest(page, 'cat /mnt/stop.txt', 'DONE-READ-STOP', COMMAND_TIMEOUT_MS)).toMatch(new RegExp(`^stop-${token}$`, 'm'));
    const clock = await runInGuest(page, 'echo CLOCK=$(date +%s)', 'DONE-CLOCK', COMMAND_TIMEOUT_MS);
    const guestSeconds = Number(/^CLOCK=(\d+)$/m.exec(clock)?.[1]);
    expect(Math.abs(guestSeconds - Date.now() / 1000)).toBeLessThan(30);
  });

  test('a file written 3 s before a reload, or before the tab is closed, is there after the next start', async ({}, testInfo) => {
    test.setTimeout(2 * RESTORE_TIMEOUT_MS + 10 * COMMAND_TIMEOUT_MS);
    await runInGuest(page, `echo reload-${token} > /mnt/reload.txt`, 'DONE-WRITE-RELOAD', COMMAND_TIMEOUT_MS);
    await waitUntilWritten(testInfo, 'reload', Date.now());
    await reloadDemo(page);
    await startToShell(RESTORE_TIMEOUT_MS);
    expect(await runInGuest(page, 'cat /mnt/reload.txt', 'DONE-READ-RELOAD', COMMAND_TIMEOUT_MS)).toMatch(new RegExp(`^reload-${token}$`, 'm'));

    await runInGuest(page, `echo close-${token} > /mnt/close.txt`, 'DONE-WRITE-CLOSE', COMMAND_TIMEOUT_MS);
    await waitUntilWritten(testInfo, 'tab close', Date.now());
    await page.close({ runBeforeUnload: true });
    page = await newDemoPage();
    await expect(page.locator(`#disk-list li.selected[data-disk="${DISK}"]`)).toBeVisible();
    await startToShell(RESTORE_TIMEOUT_MS);
    expect(await runInGuest(page, 'cat /mnt/close.txt /mnt/reload.txt', 'DONE-READ-CLOSE', COMMAND_TIMEOUT_MS)).toMatch(new RegExp(`^close-${token}\\nreload-${token}$`, 'm'));
    // Nothing was pending once the guest had written: no "leave the page?" prompt stood in the way.
    expect(unloadPrompts).toBe(0);
  });

  test('Reset asks first and names what is lost: Cancel keeps the disk, Erase empties it', async ({}, testInfo) => {
    test.setTimeout(RESTORE_TIMEOUT_MS + 8 * COMMAND_TIMEOUT_MS);
    const reset = page.locator(`#disk-list li[data-disk="${DISK}"] button[data-action="reset"]`);
    const dialog = page.locator('#confirm-dialog');
    await reset.click();
    await expect(dialog).toBeVisible();
    await expect(dialog.locator('h2')).toHaveText(`Erase disk “${DISK}”?`);
    await expect(dialog).toContainText('The VM on it stops first');
    await expect(dialog).toContainText('This cannot be undone');
    await shot(testInfo, 'reset-question');
    await dialog.locator('button[data-answer="cancel"]').click();
    await expect(dialog).toHaveCount(0);
    await waitUntilIdle(page);
    await expect(page.locator('#status')).toHaveText(`Nothing erased: ${DISK} is as it was.`);
    await expect(page.locator('#vm-state')).toHaveText('running (linux)');

    await reset.click();
    await dialog.locator('button[data-answer="confirm"]').click();
    await waitUntilIdle(page);
    await expect(page.locator('#status')).toHaveText(`Reset ${DISK}: an empty disk of 32.0 MiB.`);
    await expect(page.locator('#vm-state')).toHaveText('stopped');

    // Send without a VM says why nothing happened, and keeps the line.
    await sendSerial(page, 'ls /mnt');
    await expect(page.locator('#serial-output')).toContainText('[not sent: no VM is running.');
    await expect(page.locator('#serial-input')).toHaveValue('ls /mnt');

    const boot = await startToShell(RESTORE_TIMEOUT_MS);
    expect(boot).toMatch(/^QEDISK-FORMATTED$/m);
    expect(await runInGuest(page, 'ls /mnt', 'DONE-LIST-EMPTY', COMMAND_TIMEOUT_MS)).not.toMatch(/stop\.txt|reload\.txt|close\.txt/);
    await stopGuest(page);
  });

  test('Reset to the base asks first, keeps a snapshot of what it drops, and Undo brings it back', async ({}, testInfo) => {
    test.setTimeout(6 * COMMAND_TIMEOUT_MS);
    const onBase = `on-base-${token}`;
    await page.fill('#base-name', onBase);
    await page.click('#base-create');
    await waitUntilIdle(page);
    await expect(page.locator(`#disk-list li.selected[data-disk="${onBase}"]`)).toBeVisible();
    await expect(page.locator('#base-reset')).toBeEnabled();
    await page.click('#base-reset');
    const dialog = page.locator('#confirm-dialog');
    await expect(dialog.locator('h2')).toHaveText(`Reset disk “${onBase}” to its base?`);
    await expect(dialog).toContainText('Undo puts the disk back');
    await shot(testInfo, 'reset-to-base-question');
    await dialog.locator('button[data-answer="confirm"]').click();
    await waitUntilIdle(page);
    await expect(page.locator('#status')).toHaveText(new RegExp(`^Reset ${onBase} to the pristine base \\(snapshots kept; “before reset [^”]+” holds what it had\\)\\.$`));
    await expect(page.locator('#snapshot-list li')).toHaveCount(1);
    await expect(page.locator('#undo-button')).toBeVisible();
    await page.click('#undo-button');
    await waitUntilIdle(page);
    await expect(page.locator('#status')).toHaveText(new RegExp(`^Undone: ${onBase} is back as it was`));
    await expect(page.locator('#undo-button')).toBeHidden();
    await shot(testInfo, 'undone');
  });
});
