/**
 * The demo page's entry: installs offline support first, so that the rest of the page (modules,
 * disk worker, v86.wasm, guest files) is fetched through the service worker and kept for visits
 * without the network, then loads the demo itself.
 */
import { byId } from './dom.ts';
import { showOfflineStatus } from './offline-status.ts';
import { enableOfflineSupport } from './offline-support.ts';

const state = await enableOfflineSupport();
await import('./main.ts');
showOfflineStatus(byId('offline-status', HTMLParagraphElement), state);
