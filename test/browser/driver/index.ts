/**
 * The browser tests' entry point: Playwright's `test` and `expect`, with the few things that
 * differ between the browsers behind one name each. Every spec imports from here, never from
 * `@playwright/test` directly, and runs in each project of `playwright.config.ts` (Chromium and
 * Firefox) as written.
 *
 * Firefox is Debian's `firefox-esr`, driven by Playwright's own WebDriver BiDi client through
 * `firefox-bidi-shim.sh` (see `firefox-bidi-shim.ts` for the one command it papers over).
 */
import { type BrowserContext, type Page, test as base } from '@playwright/test';
import { killFirefoxSiteProcesses } from './content-process.ts';
import { NetworkSwitch, PROXY_ENV } from './network-switch.ts';

export { expect } from '@playwright/test';
export type { Browser, BrowserContext, Download, Page } from '@playwright/test';

/** Options of {@link DriverFixtures.launchPersistent}. */
export interface PersistentOptions {
  /**
   * The storage quota of the base URL's origin, in bytes (a multiple of 1024, at most 10 MiB),
   * from the start: Chromium gets it through CDP `Storage.overrideQuotaForOrigin` once the
   * browser runs; Firefox through the profile pref `dom.quotaManager.temporaryStorage.fixedLimit`
   * (KiB; below 10 MiB an origin's group may use the whole limit, so `estimate().quota` is this).
   * What each browser does when a write passes it is the product's business.
   */
  quotaBytes?: number;
}

/** Most bytes {@link PersistentOptions.quotaBytes} may be: above, Firefox gives an origin only a fifth of its limit. */
export const MAX_QUOTA_BYTES = 10 * 1024 * 1024;

/** What the driver adds to Playwright's fixtures. */
export interface DriverFixtures {
  /**
   * Opens a browser context on a profile kept on disk at `profileDir` (a directory the test owns),
   * as a user's browser has, with the project's launch options and base URL. Closing the context
   * ends that browser; opening the same directory again finds its OPFS files, locks released.
   */
  launchPersistent: (profileDir: string, options?: PersistentOptions) => Promise<BrowserContext>;
  /**
   * Kills the process that runs `page` and its dedicated workers, with no unload handlers and
   * no chance to flush (Chromium: CDP `Page.crash`; Firefox: SIGKILL to the site's content
   * process), then closes what is left of `page`. Other pages of the same site die with it in
   * Firefox, so call it when `page` is the only one open.
   */
  crashPage: (page: Page) => Promise<void>;
  /**
   * Takes the network away from every page and worker of `context`, service workers included, or
   * gives it back; given back after the test. Chromium: `context.setOffline`. Firefox: the
   * worker's proxy resets every new connection (`network-switch.ts`), as a lost network does;
   * Firefox's offline emulation is not used: it misses service workers, and sometimes fails a
   * reload that the page's service worker would answer with `NS_ERROR_OFFLINE`.
   */
  setOffline: (context: BrowserContext, offline: boolean) => Promise<void>;
}

/** Worker-scoped fixtures of the driver. */
export interface DriverWorkerFixtures {
  /** Firefox: the proxy all this worker's Firefox traffic goes through (started before any Firefox); other browsers: null. */
  firefoxNetwork: NetworkSwitch | null;
}

/** Playwright's `test` with {@link DriverFixtures}. */
export const test = base.extend<DriverFixtures, DriverWorkerFixtures>({
  firefoxNetwork: [
    async ({ browserName }, use) => {
      if (browserName !== 'firefox') return use(null);
      const network = await NetworkSwitch.start();
      process.env[PROXY_ENV] = network.address;
      try {
        await use(network);
      } finally {
        delete process.env[PROXY_ENV];
        await network.close();
      }
    },
    { scope: 'worker', auto: true },
  ],
  setOffline: async ({ firefoxNetwork }, use) => {
    await use(async (context, offline) => {
      if (firefoxNetwork) firefoxNetwork.setOffline(offline);
      else await context.setOffline(offline);
    });
    firefoxNetwork?.setOffline(false);
  },
  launchPersistent: async ({ playwright, browserName, launchOptions, baseURL }, use) => {
    await use(async (profileDir, options = {}) => {
      const { quotaBytes } = options;
      if (quotaBytes !== undefined && !(Number.isSafeInteger(quotaBytes) && quotaBytes > 0 && quotaBytes % 1024 === 0 && quotaBytes <= MAX_QUOTA_BYTES)) {
        throw new RangeError(`quotaBytes must be a positive multiple of 1024 up to ${MAX_QUOTA_BYTES}, not ${quotaBytes}`);
      }
      const launch = { ...launchOptions, ...(baseURL ? { baseURL } : {}) };
      if (quotaBytes !== undefined && browserName === 'firefox') {
        launch.firefoxUserPrefs = { ...launchOptions.firefoxUserPrefs, 'dom.quotaManager.temporaryStorage.fixedLimit': quotaBytes / 1024 };
      }
      const context = await playwright[browserName].launchPersistentContext(profileDir, launch);
      if (quotaBytes !== undefined && browserName === 'chromium') {
        if (!baseURL) throw new Error('launchPersistent: quotaBytes needs use.baseURL (the origin to limit)');
        const page = context.pages()[0] ?? (await context.newPage());
        // The override lasts as long as the CDP session: it stays attached until the context closes.
        const session = await context.newCDPSession(page);
        await session.send('Storage.overrideQuotaForOrigin', { origin: new URL(baseURL).origin, quotaSize: quotaBytes });
      } else if (quotaBytes !== undefined && browserName !== 'firefox') {
        await context.close();
        throw new Error(`launchPersistent: no way to limit the quota in ${browserName}`);
      }
      return context;
    });
  },
  crashPage: async ({ browserName }, use) => {
    await use(async (page) => {
      if (browserName === 'chromium') {
        const session = await page.context().newCDPSession(page);
        const crashed = page.waitForEvent('crash');
        session.send('Page.crash').catch(() => undefined); // never answers: the renderer is gone
        await crashed;
      } else if (browserName === 'firefox') {
        await killFirefoxSiteProcesses();
      } else {
        throw new Error(`crashPage: no way to kill a ${browserName} page's process`);
      }
      await page.close();
    });
  },
});
