import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type Page, expect, test } from './driver/index.ts';
import { ensureGuestAssets, openDemo, reloadDemo, runInGuest, serialText, startGuest, waitForSerial, waitUntilIdle } from './v86-harness/demo-page.ts';
import { BASE_ROOTFS_PATH, extractLevels, readVmFileManifest, startStaticServer, type StaticServer } from './vm-saves-harness/vm-files.ts';
import { STEP_TIMEOUT_MS, counterFacts, expectConsistent, expectResumedAt, readCounter, resumeInPanel, saveFacts, saveInPanel, startCounter, waitForCounter } from './vm-saves-harness/vm-page.ts';

/** A cold Linux boot to the shell on the shared base: 35-90 s in headless Chromium here; the machine is shared. */
const BOOT_TIMEOUT_MS = 900_000;
/** The disk of the story, made from the shared base (so its export names the base by URL). */
const DISK = 'lab';
/** Bytes of the marker file written before the size check (the disk holds it, the state must not). */
const MARKER_FILE_BYTES = 4 * 1024 * 1024;
/** Writing it, syncing and dropping the caches took 79 s in headless Chromium with both cores busy with other work. */
const MARKER_WRITE_TIMEOUT_MS = 3 * STEP_TIMEOUT_MS;

// One story per browser: a VM saved in profile A is resumed there, exported, imported in profile
// B, published on a static server and opened by URL in profile C, online and offline.
test.describe.configure({ mode: 'serial' });

test.describe('VM saves: memory and disk as one save point, shareable', () => {
  const work = mkdtempSync(join(tmpdir(), 'qedisk-vm-saves-'));
  const contexts: BrowserContext[] = [];
  const figures: string[] = [];
  let page!: Page;
  let saved = { before: 0, after: 0 };
  let exportPath = '';
  let server: StaticServer | null = null;

  test.afterEach(async ({}, testInfo) => {
    if (testInfo.status !== testInfo.expectedStatus && page) {
      const stats = await page.locator('#disk-stats').innerText().catch(() => '');
      console.log(`serial console:\n${(await serialText(page).catch(() => '')).slice(-4000)}\nstatus: ${await page.locator('#status').textContent().catch(() => '')}\ndisk statistics:\n${stats}`);
    }
  });

  test.afterAll(async () => {
    for (const line of figures) console.log(`[measure] ${line}`);
    for (const context of contexts) await context.close().catch(() => undefined);
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('boots Linux on the shared base, starts a counter in memory and on the disk, and saves the VM', async ({ launchPersistent }) => {
    test.setTimeout(BOOT_TIMEOUT_MS + 6 * STEP_TIMEOUT_MS);
    ensureGuestAssets();
    const context = await launchPersistent(join(work, 'profile-a'));
    contexts.push(context);
    page = context.pages()[0] ?? (await context.newPage());
    await openDemo(page);
    await page.fill('#base-name', DISK);
    await page.click('#base-create');
    await expect(page.locator(`#disk-list li.selected[data-disk="${DISK}"]`)).toBeVisible({ timeout: STEP_TIMEOUT_MS });
    await waitUntilIdle(page);
    await startGuest(page, 'linux', { coldBoot: true });
    await waitForSerial(page, /^QEDISK-READY$/m, BOOT_TIMEOUT_MS);
    await waitForSerial(page, /^qedisk# /m, STEP_TIMEOUT_MS);
    await startCounter(page);
    const before = await readCounter(page);
    const status = await saveInPanel(page, 'first');
    const after = await readCounter(page);
    saved = { before, after };
    figures.push(`save: ${status}`);
    const facts = await saveFacts(page, 'first');
    expect(facts.disk).toBe(DISK);
    expect(facts.snapshot).toMatch(/^\d+$/);
    expect(facts.storedBytes).toBeLessThan(facts.stateBytes);
  });

  test('keeps running, then resumes the save in place: counter and disk are back at the save point together', async () => {
    test.setTimeout(8 * STEP_TIMEOUT_MS);
    await waitForCounter(page, saved.after + 8);
    await runInGuest(page, 'echo after > /mnt/after; sync', 'DONE-AFTER', STEP_TIMEOUT_MS);
    await expectResumedAt(page, saved, await resumeInPanel(page, 'first'));
  });

  test('resumes the save after a reload, on a new emulator', async () => {
    test.setTimeout(8 * STEP_TIMEOUT_MS);
    await reloadDemo(page);
    await expect(page.locator('#disk-list li.selected')).toHaveAttribute('data-disk', DISK);
    const clicked = await resumeInPanel(page, 'first');
    figures.push(`resume after a reload: Resume pressed to running in ${((Date.now() - clicked) / 1000).toFixed(1)} s`);
    await expectResumedAt(page, saved, clicked);
  });

  test('refuses to resume a save whose disk snapshot is gone, and keeps the VM running', async () => {
    test.setTimeout(8 * STEP_TIMEOUT_MS);
    await saveInPanel(page, 'victim');
    const victim = await saveFacts(page, 'victim');
    await resumeInPanel(page, 'first'); // the disk leaves the victim's snapshot: nothing sits on it now
    await page.evaluate(async ({ disk, id }) => {
      const qedisk = (await import(/* @vite-ignore */ `${location.origin}/src/index.ts`)) as typeof import('../../src/index.ts');
      await qedisk.deleteSnapshot(disk, id);
    }, { disk: DISK, id: victim.snapshot });
    await page.click('#vm-save-list li[data-save="victim"] button[data-action="restore"]');
    await expect(page.locator('#status')).toHaveText(/^VmSaveMismatchError: the snapshot of this VM save \(disk "lab", snapshot \d+\) is gone$/, { timeout: STEP_TIMEOUT_MS });
    await expect(page.locator('#vm-state')).toHaveText('running (linux)');
    expectConsistent(await counterFacts(page));
  });

  test('keeps no disk bytes in a state: 4 MiB written to the disk stay out of it', async () => {
    test.setTimeout(8 * STEP_TIMEOUT_MS);
    const first = await saveFacts(page, 'first');
    // A line the disk then holds about 110 000 times; the state may hold the command line itself, not the file.
    const marker = `QEDISK-MARKER-${Math.random().toString(36).slice(2, 10)}`;
    await runInGuest(page, `yes ${marker} | head -c ${MARKER_FILE_BYTES} > /mnt/marker; sync; echo 3 > /proc/sys/vm/drop_caches`, 'DONE-MARKER', MARKER_WRITE_TIMEOUT_MS);
    await saveInPanel(page, 'marked');
    const marked = await saveFacts(page, 'marked');
    figures.push(`state after writing ${MARKER_FILE_BYTES} bytes to the disk: ${marked.stateBytes} bytes (${marked.storedBytes} stored); before: ${first.stateBytes} bytes`);
    expect(Math.abs(marked.stateBytes - first.stateBytes)).toBeLessThan(MARKER_FILE_BYTES / 2);
    const copies = await page.evaluate(async (text) => {
      const qedisk = (await import(/* @vite-ignore */ `${location.origin}/src/index.ts`)) as typeof import('../../src/index.ts');
      const { state } = await qedisk.readVmState('marked');
      const bytes = new Uint8Array(state);
      const needle = new TextEncoder().encode(text);
      let count = 0;
      for (let at = bytes.indexOf(needle[0] ?? 0); at >= 0; at = bytes.indexOf(needle[0] ?? 0, at + 1)) {
        if (needle.every((byte, index) => bytes[at + index] === byte)) count++;
      }
      return count;
    }, marker);
    expect(copies).toBeLessThan(100);
  });

  test('exports the save as one file that holds the disk as it was at the save point', async () => {
    test.setTimeout(4 * STEP_TIMEOUT_MS);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#vm-save-list li[data-save="first"] button[data-action="export"]')]);
    exportPath = join(work, 'first.qvm');
    await download.saveAs(exportPath);
    await waitUntilIdle(page);
    const manifest = readVmFileManifest(exportPath);
    expect(manifest.disk).toBe('overlay');
    expect(manifest.base?.url).toBe(new URL('/demo/assets/guest/base-rootfs.ext2', page.url()).href);
    figures.push(`export: ${statSync(exportPath).size} bytes in one file (state ${manifest.stateBytes} bytes gzipped into ${manifest.parts[0]?.bytes}, ${manifest.parts.length - 1} disk level(s))`);
    // QEMU's view of the exported disk: the levels on a local copy of the base.
    const raw = extractLevels(exportPath, join(work, 'levels'), BASE_ROOTFS_PATH);
    const log = execFileSync('debugfs', ['-R', 'cat /log', raw], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').map(Number);
    expect(log).toEqual(log.map((_, index) => index + 1));
    expect(log.length).toBeGreaterThanOrEqual(saved.before - 1);
    expect(log.length).toBeLessThanOrEqual(saved.after);
    expect(spawnSync('debugfs', ['-R', 'stat /after', raw], { encoding: 'utf8' }).stderr).toMatch(/File not found/);
  });

  test('imports the file in another browser profile and resumes it at the save point', async ({ launchPersistent }) => {
    test.setTimeout(10 * STEP_TIMEOUT_MS);
    const context = await launchPersistent(join(work, 'profile-b'));
    contexts.push(context);
    const other = context.pages()[0] ?? (await context.newPage());
    await openDemo(other);
    await other.setInputFiles('#vm-import-file', exportPath);
    await other.click('#vm-import-button');
    await expect(other.locator('#status')).toHaveText(`Imported VM first with disk ${DISK}: press Resume.`, { timeout: STEP_TIMEOUT_MS });
    await waitUntilIdle(other);
    await expectResumedAt(other, saved, await resumeInPanel(other, 'first'));
    await other.close();
  });

  test('opens the VM published on a static server by its URL, then again with the network off', async ({ browser, setOffline }) => {
    test.setTimeout(12 * STEP_TIMEOUT_MS);
    server = await startStaticServer({ '/vms/first.qvm': readFileSync(exportPath) });
    const context = await browser.newContext();
    contexts.push(context);
    const fresh = await context.newPage();
    await openDemo(fresh);
    await expect(fresh.locator('#offline-status')).toHaveAttribute('data-mode', 'controlled');
    const url = `${server.origin}/vms/first.qvm`;
    await fresh.fill('#vm-open-url', url);
    const opened = Date.now();
    await fresh.click('#vm-open-button');
    await expect(fresh.locator('#status')).toHaveText(/^VM running \(linux, resumed VM save published-[0-9a-f]{16}\)\.$/, { timeout: STEP_TIMEOUT_MS });
    figures.push(`published VM over localhost: page load to running ${(await fresh.evaluate(() => performance.now() / 1000)).toFixed(1)} s (${await fresh.locator('#vm-save-note').textContent()})`);
    await waitUntilIdle(fresh);
    await expectResumedAt(fresh, saved, opened);
    // The rest of the base comes while the guest runs; then nothing is needed from the network.
    await expect(fresh.locator('#base-status [data-fact="base-complete"]')).toHaveAttribute('data-value', 'true', { timeout: 2 * STEP_TIMEOUT_MS });

    await setOffline(context, true);
    try {
      await reloadDemo(fresh);
      await fresh.fill('#vm-open-url', url);
      const reopened = Date.now();
      await fresh.click('#vm-open-button');
      await expect(fresh.locator('#status')).toHaveText(/^VM running \(linux, resumed VM save published-[0-9a-f]{16}\)\.$/, { timeout: STEP_TIMEOUT_MS });
      await expect(fresh.locator('#vm-save-note')).toHaveText(/\(kept in this browser\)/);
      await waitUntilIdle(fresh);
      await expectResumedAt(fresh, saved, reopened);
      expect(server.requests()).toBe(1);
    } finally {
      await setOffline(context, false);
    }
  });
});
