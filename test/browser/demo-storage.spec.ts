/**
 * The demo's Storage panel (issue 16): the storage report lists the disks made in the page, and
 * Compact per disk shows the compaction's result in the panel, or asks to stop the VM on the disk
 * first (the boot-sector guest: no Linux boot). A screenshot
 * of the panel is kept as test artifacts (`test-results/.../storage-panel*.png`).
 */
import { expect, test } from './driver/index.ts';
import { answerConfirm, createDisk, ensureGuestAssets, openDemo, startGuest, stopGuest, waitUntilIdle } from './v86-harness/demo-page.ts';

/** A page operation (create, compact, report) on a busy machine. */
const STEP_TIMEOUT_MS = 60_000;

test('the Storage panel lists the disks and compacts one, showing the bytes before and after', async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await openDemo(page);
  // One disk through the page's form (it stays open in the page), one through the page API
  // (closed, with data, a run of written zeros that compaction drops, and a snapshot).
  await createDisk(page, 'panel-open', 8);
  await page.evaluate(async () => {
    const qedisk = (await import(/* @vite-ignore */ `${location.origin}/src/index.ts`)) as typeof import('../../src/index.ts');
    const disk = await qedisk.openDisk('panel-stored', { create: { size: 16 * 1024 * 1024 } });
    await disk.write(0, new Uint8Array(1024 * 1024).fill(0x5a));
    await disk.write(4 * 1024 * 1024, new Uint8Array(2 * 1024 * 1024));
    await disk.close();
    await qedisk.snapshotDisk('panel-stored', 'first');
  });

  await page.click('#storage-refresh');
  const stored = page.locator('#storage-table tr[data-disk="panel-stored"]');
  await expect(stored).toBeVisible({ timeout: STEP_TIMEOUT_MS });
  await expect(page.locator('#storage-table tr[data-disk="panel-open"]')).toBeVisible();
  await expect(stored.locator('td').nth(3)).toHaveText(/^1 \(/);
  await expect(page.locator('#storage dd[data-fact="usage"]')).toHaveText(/ of /);
  await expect(page.locator('#storage dd[data-fact="persisted"]')).toHaveText(/^(yes|no)/);

  await stored.locator('button[data-action="compact"]').click();
  const note = stored.locator('.row-note');
  await expect(note).toHaveText(/^\d+(\.\d)? (B|KiB|MiB) → \d+(\.\d)? (B|KiB|MiB)/, { timeout: STEP_TIMEOUT_MS });
  await expect(note).not.toHaveClass(/error/);
  const [before, after] = (await note.textContent())?.split(';')[0]?.split(' → ') ?? [];
  expect(parseSize(after ?? '')).toBeLessThan(parseSize(before ?? ''));
  await waitUntilIdle(page);

  // The disk open in the page compacts in its request queue.
  const open = page.locator('#storage-table tr[data-disk="panel-open"]');
  await open.locator('button[data-action="compact"]').click();
  await expect(open.locator('.row-note')).toHaveText(/→/, { timeout: STEP_TIMEOUT_MS });
  await waitUntilIdle(page);

  const path = testInfo.outputPath('storage-panel.png');
  await page.locator('.storage-panel').screenshot({ path });
  await testInfo.attach('storage-panel', { path, contentType: 'image/png' });
});

test('Compact on the disk a VM runs on says to stop the VM first, and works once it is stopped', async ({ page }) => {
  ensureGuestAssets();
  await openDemo(page);
  await createDisk(page, 'panel-vm', 1);
  await startGuest(page, 'boot-sector');
  await page.click('#storage-refresh');
  const row = page.locator('#storage-table tr[data-disk="panel-vm"]');
  await row.locator('button[data-action="compact"]').click();
  await expect(row.locator('.row-note')).toHaveText(/stop the VM first/, { timeout: STEP_TIMEOUT_MS });
  await expect(row.locator('.row-note')).toHaveClass(/error/);
  await expect(page.locator('#status')).toHaveText(/stop the VM on panel-vm first/);
  await stopGuest(page);
  await row.locator('button[data-action="compact"]').click();
  await expect(row.locator('.row-note')).toHaveText(/→/, { timeout: STEP_TIMEOUT_MS });
});

test('a base cache has Free once no disk open here reads through it; Free asks first, then deletes it', async ({ page }, testInfo) => {
  ensureGuestAssets();
  await openDemo(page);
  await page.fill('#base-name', 'panel-shared');
  await page.click('#base-create');
  await expect(page.locator('#disk-list li.selected[data-disk="panel-shared"]')).toBeVisible({ timeout: STEP_TIMEOUT_MS });
  await waitUntilIdle(page);
  await page.click('#storage-refresh');
  const cache = page.locator('#storage-table tr[data-cache]');
  await expect(cache).toHaveCount(1, { timeout: STEP_TIMEOUT_MS });
  await expect(cache.locator('td').nth(3)).toHaveText('yes');
  await expect(cache.locator('button[data-action="free-cache"]')).toHaveCount(0);

  // Another disk in use closes panel-shared: its cache is no longer read.
  await createDisk(page, 'panel-other', 1);
  await expect(cache.locator('td').nth(3)).toHaveText('no', { timeout: STEP_TIMEOUT_MS });
  const path = testInfo.outputPath('storage-panel-cache.png');
  await page.locator('.storage-panel').screenshot({ path });
  await testInfo.attach('storage-panel-cache', { path, contentType: 'image/png' });
  await cache.locator('button[data-action="free-cache"]').click();
  await expect(page.locator('#confirm-dialog')).toContainText('panel-shared');
  await expect(page.locator('#confirm-dialog')).toContainText('need the network again');
  await answerConfirm(page, 'confirm');
  await expect(page.locator('#status')).toHaveText(/^Freed /, { timeout: STEP_TIMEOUT_MS });
  await expect(cache).toHaveCount(0, { timeout: STEP_TIMEOUT_MS });
});

/** Bytes of "1.5 MiB", "320 KiB", "12 B". */
function parseSize(text: string): number {
  const match = /^([\d.]+) (B|KiB|MiB|GiB)$/.exec(text.trim());
  if (!match) throw new Error(`not a size: ${text}`);
  return Number(match[1]) * 1024 ** ['B', 'KiB', 'MiB', 'GiB'].indexOf(match[2] ?? 'B');
}
