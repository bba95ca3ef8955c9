/** The Firefox the browser tests and benches drive. */
import { fileURLToPath } from 'node:url';

/**
 * What Playwright starts as Firefox: a small WebDriver BiDi proxy (test/browser/driver/firefox-bidi-shim.ts)
 * in front of Debian's firefox-esr, or the binary `QEDISK_FIREFOX` names.
 */
export const FIREFOX_SHIM_PATH = fileURLToPath(new URL('../browser/driver/firefox-bidi-shim.sh', import.meta.url));
