/** Node-side helpers for the specs: opening the harness page. */
import type { Page } from '../driver/index.ts';

/** Path of the harness page on the Vite dev server. */
export const HARNESS_PATH = '/test/browser/harness/index.html';

/** Loads (or reloads) the harness page and waits until `window.harness` is set. */
export async function openHarness(page: Page, options: { reload?: boolean } = {}): Promise<void> {
  if (options.reload) await page.reload();
  else await page.goto(HARNESS_PATH);
  await page.waitForFunction(() => window.harness !== undefined);
}
