/**
 * A page with qedisk as an app uses it: its own disk worker, nothing of the tests' harness.
 * `window.plain` holds the library; specs may take capabilities away before the first call.
 */
import * as qedisk from '../../../src/index.ts';

declare global {
  interface Window {
    /** Set once the page has loaded. */
    plain: typeof qedisk;
  }
}

window.plain = qedisk;
document.getElementById('status')?.replaceChildren('ready');
