import { expect, test } from './driver/index.ts';
import { createDisk, ensureGuestAssets, openDemo, reloadDemo, serialText, startGuest, waitForSerial } from './v86-harness/demo-page.ts';

/** Generous: the boot sector runs in about a second, but the machine is shared. */
const BOOT_TIMEOUT_MS = 60_000;

test.describe('v86 boots the boot-sector test from a qedisk disk', () => {
  test.beforeAll(() => ensureGuestAssets());

  test('counts 1 on a new disk and 2 after the page reloads', async ({ page }) => {
    await openDemo(page);
    await createDisk(page, 'boot-sector', 1);

    await startGuest(page, 'boot-sector');
    await waitForSerial(page, 'QEDISK-BOOT DONE', BOOT_TIMEOUT_MS);
    expect(await serialText(page)).toContain('QEDISK-BOOT counter=1\n');

    await reloadDemo(page);
    await expect(page.locator('#disk-list li.selected')).toHaveAttribute('data-disk', 'boot-sector');
    await startGuest(page, 'boot-sector');
    await waitForSerial(page, 'QEDISK-BOOT DONE', BOOT_TIMEOUT_MS);
    const second = await serialText(page);
    expect(second).toContain('QEDISK-BOOT counter=2\n');
    expect(second).not.toContain('INT13-ERROR');
  });
});
