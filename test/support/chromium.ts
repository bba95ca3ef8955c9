/** The Chromium the browser tests, benches and consumer checks drive, and its flags. */

/** The Chromium to drive: `QEDISK_CHROMIUM` or Debian's. */
export const CHROMIUM_PATH = process.env['QEDISK_CHROMIUM'] ?? '/usr/bin/chromium';

/** Flags for a quiet, sandbox-free headless Chromium on a CI machine. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
