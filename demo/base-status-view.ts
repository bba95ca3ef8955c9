/**
 * How much of the shared base is cached: a definition list and a bar, filled from
 * `OpfsDisk.baseStatus()`. Every value carries `data-fact=<key>` and, for numbers, the raw number
 * in `data-value` (bytes or counts), so the tests read exact figures.
 */
import type { RemoteBaseStatus } from 'qedisk';
import { h } from './dom.ts';
import { formatBytes, formatCount, formatPercent } from './format.ts';

/** One row: label, text, key, raw value. */
type Fact = [label: string, text: string, key: string, value?: number | boolean];

function renderFacts(list: HTMLDListElement, facts: readonly Fact[]): void {
  list.replaceChildren(
    ...facts.flatMap(([label, text, key, value]) => {
      const dataset: Record<string, string> = { fact: key };
      if (value !== undefined) dataset['value'] = String(value);
      return [h('dt', { text: label }), h('dd', { text, dataset })];
    }),
  );
}

/** The base's URL as a short text: its path when it is on this site. */
function shortUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.origin === location.origin ? parsed.pathname : url;
  } catch {
    return url;
  }
}

/**
 * Shows `status` in `list` and `bar` (cached bytes of the base). Without an HTTP base (`null`),
 * shows `note` instead and empties the bar.
 */
export function renderBaseStatus(list: HTMLDListElement, bar: HTMLProgressElement, status: RemoteBaseStatus | null, note: string): void {
  if (!status) {
    renderFacts(list, [['Base', note, 'base-url']]);
    bar.max = 1;
    bar.value = 0;
    return;
  }
  bar.max = Math.max(1, status.totalBytes);
  bar.value = status.cachedBytes;
  renderFacts(list, [
    ['Base', shortUrl(status.url), 'base-url'],
    ['Base size', formatBytes(status.totalBytes), 'base-total', status.totalBytes],
    ['Cached in OPFS', `${formatBytes(status.cachedBytes)} (${formatPercent(status.cachedBytes, status.totalBytes)})`, 'base-cached', status.cachedBytes],
    ['Offline', status.complete ? 'the whole base is cached' : 'what was read so far', 'base-complete', status.complete],
    ['Downloaded by this page', formatBytes(status.bytesFetched), 'base-fetched', status.bytesFetched],
    ['Range requests', formatCount(status.requests), 'base-requests', status.requests],
    ['Cache kept', status.persistent ? 'in OPFS' : 'in memory only (another tab holds the cache)', 'base-persistent', status.persistent],
  ]);
}
