/**
 * The page's line about offline use (`#offline-status`): whether the service worker keeps the
 * page, and how much it keeps. `data-mode` carries `OfflineState.mode` for tests.
 */
import { type OfflineState, offlineCacheStatus } from './offline-support.ts';
import { formatBytes, formatCount } from './format.ts';

/** Milliseconds between updates of the cached size. */
const REFRESH_MS = 10_000;

/** Shows `state` in `line` and keeps the cached size up to date. */
export function showOfflineStatus(line: HTMLElement, state: OfflineState): void {
  line.dataset['mode'] = state.mode;
  const update = async (): Promise<void> => {
    line.textContent = await describe(state);
  };
  void update();
  if (state.mode !== 'unsupported' && state.mode !== 'failed') setInterval(() => void update(), REFRESH_MS);
}

async function describe(state: OfflineState): Promise<string> {
  switch (state.mode) {
    case 'unsupported':
      return 'Offline use: this browser has no service workers; the page needs the network to load.';
    case 'failed':
      return `Offline use: the service worker could not be installed (${state.error ?? 'unknown error'}).`;
    case 'pending':
      return 'Offline use: the service worker is installed and keeps this page from the next visit on.';
    case 'controlled': {
      const cache = await offlineCacheStatus();
      const kept = cache ? `${formatCount(cache.entries)} files, ${formatBytes(cache.bytes)}` : 'size unknown';
      return `Offline use: the page, the emulator and the guest files are kept by a service worker (${kept}); disks and the cached base are in OPFS.`;
    }
  }
}
