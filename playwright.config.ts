import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './test/support/chromium.ts';
import { FIREFOX_SHIM_PATH } from './test/support/firefox.ts';

/** Fixed port: OPFS data belongs to the exact origin, port included. Both browsers share the server (their profiles differ). */
const port = Number(process.env['QEDISK_TEST_PORT'] ?? 4173);
/** Workers for the whole run (files are spread over them; the tests of one file stay in order in one worker). */
const workers = Number(process.env['QEDISK_TEST_WORKERS'] ?? 2);

export default defineConfig({
  testDir: 'test/browser',
  testMatch: '**/*.spec.ts',
  timeout: 180_000,
  workers,
  fullyParallel: false,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    headless: true,
  },
  projects: [
    {
      name: 'chromium',
      testIgnore: 'webkit/**',
      use: {
        browserName: 'chromium',
        launchOptions: {
          executablePath: CHROMIUM_PATH,
          args: [...CHROMIUM_ARGS],
        },
      },
    },
    {
      name: 'firefox',
      testIgnore: 'webkit/**',
      // Each Firefox start (a fresh profile) costs seconds more than Chromium's; a test that starts
      // three (reliability-kill's persistent profile) needs the room on a busy machine.
      timeout: 300_000,
      use: {
        browserName: 'firefox',
        channel: 'moz-firefox',
        launchOptions: {
          executablePath: FIREFOX_SHIM_PATH,
          firefoxUserPrefs: {
            // One content process per site, so a test can end "the" process of its pages (driver/content-process.ts).
            'dom.ipc.processCount.webIsolated': 1,
          },
        },
      },
    },
    {
      // WebKitGTK's MiniBrowser under Xvfb, driven through test/browser/webkit/ (not a Playwright browser).
      name: 'webkit',
      testMatch: 'webkit/**/*.spec.ts',
    },
  ],
  webServer: {
    command: `npx vite --port ${port} --strictPort --host 127.0.0.1`,
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: !process.env['CI'],
    env: { QEDISK_TEST_SERVER: '1' },
    timeout: 120_000,
  },
});
