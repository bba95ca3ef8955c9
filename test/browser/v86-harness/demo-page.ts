/**
 * Node-side helpers of the v86 specs: build the guest files when missing, and drive the demo page
 * (`index.html`) as a person would: create a disk, pick a guest, start it, read the serial console.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Page, expect } from '@playwright/test';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** How long a page operation (open, create, export, start) may take on a busy machine. */
const PAGE_STEP_TIMEOUT_MS = 60_000;

/** Builds the guest files with `scripts/ensure-guest-assets.mjs --strict` unless they are there (throws if it cannot). */
export function ensureGuestAssets(): void {
  execFileSync(process.execPath, [join(repoRoot, 'scripts', 'ensure-guest-assets.mjs'), '--strict'], {
    stdio: 'inherit',
    timeout: 300_000,
  });
}

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

/** Waits until no page operation runs (the Create button is enabled again) and fails on an error status. */
export async function waitUntilIdle(page: Page): Promise<void> {
  await expect(page.locator('#create-button')).toBeEnabled({ timeout: PAGE_STEP_TIMEOUT_MS });
  await expect(page.locator('#status')).not.toHaveClass(/error/);
}

/** Creates disk `name` of `sizeMiB` MiB with the page's form; it becomes the disk in use. */
export async function createDisk(page: Page, name: string, sizeMiB: number): Promise<void> {
  await page.fill('#create-name', name);
  await page.fill('#create-size', String(sizeMiB));
  await page.click('#create-button');
  await expect(page.locator(`#disk-list li.selected[data-disk="${name}"]`)).toBeVisible({ timeout: PAGE_STEP_TIMEOUT_MS });
  await waitUntilIdle(page);
}

/** Picks `guest` and presses Start; resolves when the VM runs. */
export async function startGuest(page: Page, guest: DemoGuest): Promise<void> {
  await page.selectOption('#guest-select', guest);
  await page.click('#start-button');
  await expect(page.locator('#vm-state')).toHaveText(`running (${guest})`, { timeout: PAGE_STEP_TIMEOUT_MS });
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
