/**
 * Node-side helpers of the v86 specs: build the guest files when missing, and drive the demo page
 * (`index.html`) as a person would: create a disk, pick a guest, start it, read the serial console.
 */
import { type Page, expect } from '../driver/index.ts';
import { ensureGuestAssets } from '../../support/guest-assets.ts';

export { ensureGuestAssets };

/** How long a page operation (open, create, export, start) may take on a busy machine. */
const PAGE_STEP_TIMEOUT_MS = 60_000;

/** The guests of the demo's guest menu. */
export type DemoGuest = 'linux' | 'boot-sector';

/**
 * Opens the demo page and waits until it has loaded its disk list. Vite's hot-reload socket is
 * answered by a silent stand-in: an edit anywhere in the checkout during a run would otherwise
 * reload the page and end the VM under test.
 */
export async function openDemo(page: Page): Promise<void> {
  await page.routeWebSocket(/.*/, () => undefined);
  await page.goto('/');
  await waitUntilIdle(page);
}

/** Reloads the demo page and waits until it has loaded its disk list (and reopened its disk). */
export async function reloadDemo(page: Page): Promise<void> {
  await page.reload();
  await waitUntilIdle(page);
}

/** The status text of `index.html` before `demo/main.ts` has run. */
const STATUS_BEFORE_START = 'Loading…';

/**
 * Waits until the page's script has started and no page operation runs (the Create button is
 * enabled again), and fails on an error status. The button alone does not tell: Firefox gives
 * form controls back the disabled state they had before a reload until the script sets it.
 * `timeoutMs` bounds the operation (default: a page step's 60 s).
 */
export async function waitUntilIdle(page: Page, timeoutMs = PAGE_STEP_TIMEOUT_MS): Promise<void> {
  await expect(page.locator('#status')).not.toHaveText(STATUS_BEFORE_START, { timeout: PAGE_STEP_TIMEOUT_MS });
  await expect(page.locator('#create-button')).toBeEnabled({ timeout: timeoutMs });
  await expect(page.locator('#status')).not.toHaveClass(/error/);
}

/** Creates disk `name` of `sizeMiB` MiB with the page's form; it becomes the disk in use. */
export async function createDisk(page: Page, name: string, sizeMiB: number): Promise<void> {
  await page.fill('#create-name', name);
  // Set, not typed: Playwright's fill appends to a number input's value in Firefox over BiDi ("64" + "32" = 6432).
  await page.locator('#create-size').evaluate((input, value) => {
    (input as HTMLInputElement).value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }, String(sizeMiB));
  await expect(page.locator('#create-size')).toHaveValue(String(sizeMiB));
  await page.click('#create-button');
  await expect(page.locator(`#disk-list li.selected[data-disk="${name}"]`)).toBeVisible({ timeout: PAGE_STEP_TIMEOUT_MS });
  await waitUntilIdle(page);
}

/** Picks `guest`, ticks or clears "cold boot" (default: cleared) and presses Start; resolves when the VM runs. */
export async function startGuest(page: Page, guest: DemoGuest, options: { coldBoot?: boolean } = {}): Promise<void> {
  await page.selectOption('#guest-select', guest);
  await page.setChecked('#cold-boot', options.coldBoot ?? false);
  await page.click('#start-button');
  await expect(page.locator('#vm-state')).toHaveText(`running (${guest})`, { timeout: PAGE_STEP_TIMEOUT_MS });
}

/** Answers the page's question before a destructive action (`#confirm-dialog`) with its confirm button, or Cancel. */
export async function answerConfirm(page: Page, answer: 'confirm' | 'cancel'): Promise<void> {
  const dialog = page.locator('#confirm-dialog');
  await expect(dialog).toBeVisible({ timeout: PAGE_STEP_TIMEOUT_MS });
  await dialog.locator(`button[data-answer="${answer}"]`).click();
  await expect(dialog).toHaveCount(0);
}

/** Presses Stop and waits until the VM is stopped (and its disk flushed). */
export async function stopGuest(page: Page): Promise<void> {
  await page.click('#stop-button');
  await expect(page.locator('#vm-state')).toHaveText('stopped', { timeout: PAGE_STEP_TIMEOUT_MS });
  await waitUntilIdle(page);
}

/**
 * Overwrites every fast-start state in the page's OPFS (the VM saves `fast-start-*.qvm` in folder
 * `qedisk-vm-saves`) with a v86 state that has a valid header but an info block that is not JSON
 * (gzipped); resolves how many there were.
 */
export async function damageSavedStates(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    const folder = await root.getDirectoryHandle('qedisk-vm-saves', { create: true });
    let damaged = 0;
    for await (const [name, handle] of folder.entries()) {
      if (handle.kind !== 'file' || !name.startsWith('fast-start-')) continue;
      const bytes = new Uint8Array(4096);
      const header = new DataView(bytes.buffer);
      header.setInt32(0, -2039052682, true); // v86 state magic
      header.setInt32(4, 6, true); // state format version
      header.setInt32(8, bytes.byteLength, true); // total length
      header.setInt32(12, 64, true); // info block length
      bytes.fill(0x7b, 16, 80); // "{{{{...": not JSON
      const gzipped = await new Response(new Blob([bytes]).stream().pipeThrough(new CompressionStream('gzip'))).blob();
      const writable = await (handle as FileSystemFileHandle).createWritable();
      await writable.write(gzipped);
      await writable.close();
      damaged += 1;
    }
    return damaged;
  });
}

/** The serial console's text so far. */
export async function serialText(page: Page): Promise<string> {
  return (await page.locator('#serial-output').textContent()) ?? '';
}

/** Waits until the serial console matches `pattern` (a string is searched as is). */
export async function waitForSerial(page: Page, pattern: string | RegExp, timeoutMs: number): Promise<void> {
  const source = typeof pattern === 'string' ? pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : pattern.source;
  const flags = typeof pattern === 'string' ? '' : pattern.flags;
  await page.waitForFunction(
    ([regexSource, regexFlags]) => new RegExp(regexSource ?? '', regexFlags).test(document.querySelector('#serial-output')?.textContent ?? ''),
    [source, flags] as const,
    { timeout: timeoutMs, polling: 250 },
  );
}

/** Types `command` into the serial input line and sends it. */
export async function sendSerial(page: Page, command: string): Promise<void> {
  await page.fill('#serial-input', command);
  await page.press('#serial-input', 'Enter');
}

/** Clicks Export on disk `name` and saves the download to `path`. */
export async function exportDisk(page: Page, name: string, path: string): Promise<void> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click(`#disk-list li[data-disk="${name}"] button[data-action="export"]`),
  ]);
  await download.saveAs(path);
  await waitUntilIdle(page);
}

/** Seconds since the page's navigation started (the page's own clock). */
export async function secondsSinceLoad(page: Page): Promise<number> {
  return page.evaluate(() => performance.now() / 1000);
}

/**
 * Sends `command` followed by `echo MARKER` to the guest's shell and waits until the marker line
 * appears; resolves with the console text after the marker's previous occurrences.
 */
export async function runInGuest(page: Page, command: string, marker: string, timeoutMs: number): Promise<string> {
  const before = (await serialText(page)).length;
  await sendSerial(page, `${command}; echo ${marker}`);
  const line = new RegExp(`^${marker}$`, 'm');
  await page.waitForFunction(
    ([from, source]) => new RegExp(source ?? '', 'm').test((document.querySelector('#serial-output')?.textContent ?? '').slice(Number(from))),
    [String(before), line.source] as const,
    { timeout: timeoutMs, polling: 250 },
  );
  return (await serialText(page)).slice(before);
}
