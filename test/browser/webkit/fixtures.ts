/** The WebKit specs' `test`: Playwright's runner, with a MiniBrowser page in place of Playwright's browsers. */
import { test as base } from '@playwright/test';
import { WebKitPage } from './minibrowser.ts';

export { expect } from '@playwright/test';
export { WebKitPage } from './minibrowser.ts';

/** What the WebKit specs get. */
export interface WebKitFixtures {
  /** A fresh MiniBrowser (its own data directory) showing the WebKit test page, closed after the test. */
  webkitPage: WebKitPage;
}

/** Playwright's `test` with {@link WebKitFixtures}. */
export const test = base.extend<WebKitFixtures>({
  webkitPage: async ({ baseURL }, use, testInfo) => {
    if (!baseURL) throw new Error('the webkit project needs use.baseURL (the Vite dev server)');
    const page = await WebKitPage.launch(baseURL);
    try {
      await use(page);
    } finally {
      if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('minibrowser-output', { body: page.output(), contentType: 'text/plain' });
      await page.close();
    }
  },
});
