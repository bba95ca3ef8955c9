import { defineConfig } from '@playwright/test';

/** Debian's Chromium by default; set QEDISK_CHROMIUM to use another build. */
const executablePath = process.env['QEDISK_CHROMIUM'] ?? '/usr/bin/chromium';
/** Fixed port: OPFS data belongs to the exact origin, port included. */
const port = Number(process.env['QEDISK_TEST_PORT'] ?? 4173);

export default defineConfig({
  testDir: 'test/browser',
  testMatch: '**/*.spec.ts',
  timeout: 180_000,
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    headless: true,
    launchOptions: {
      executablePath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: `npx vite --port ${port} --strictPort --host 127.0.0.1`,
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: !process.env['CI'],
    env: { QEDISK_TEST_SERVER: '1' },
    timeout: 120_000,
  },
});
