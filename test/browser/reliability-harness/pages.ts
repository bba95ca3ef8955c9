/**
 * Node side of the reliability harness: opening the harness page, and listening to what the
 * page reports about its request streams (so the test knows which writes and flushes completed
 * before it killed the page).
 */
import type { BrowserContext, Page } from '../driver/index.ts';
import type { StreamEvent } from './streams.ts';

/** Path of the reliability harness page on the Vite dev server. */
export const RELIABILITY_PATH = '/test/browser/reliability-harness/index.html';

/**
 * A stand-in for Vite's dev client (`/@vite/client`), which reloads every open page when a
 * watched source file changes. A reload in the middle of a test kills its disk worker at a time
 * the test did not choose; these tests choose their kills, so their pages get no dev client.
 */
const QUIET_VITE_CLIENT = [
  'export function createHotContext() { return { accept() {}, dispose() {}, prune() {}, invalidate() {}, on() {}, off() {}, send() {}, data: {} }; }',
  'export function updateStyle() {}',
  'export function removeStyle() {}',
  'export function injectQuery(url) { return url; }',
  'export class ErrorOverlay {}',
].join('\n');

/** Contexts whose pages already get the quiet dev client. */
const quietContexts = new WeakSet<BrowserContext>();

/** Serves `QUIET_VITE_CLIENT` to every page of `context`. */
async function quietDevClient(context: BrowserContext): Promise<void> {
  if (quietContexts.has(context)) return;
  quietContexts.add(context);
  await context.route('**/@vite/client', (route) => route.fulfill({ contentType: 'text/javascript', body: QUIET_VITE_CLIENT }));
}

/** Loads the reliability harness page (without Vite's reloading dev client) and waits until `window.reliability` is set. */
export async function openReliabilityPage(page: Page): Promise<void> {
  await quietDevClient(page.context());
  await page.goto(RELIABILITY_PATH);
  await page.waitForFunction(() => window.reliability !== undefined);
}

/** Opens a new page of `page`'s context on the harness. */
export async function freshHarnessPage(page: Page): Promise<Page> {
  const next = await page.context().newPage();
  await openReliabilityPage(next);
  return next;
}

/** What the Node side has heard about one stream. Indexes are op indexes in the stream. */
export class StreamProgress {
  /** Index of the first op the stream sent. */
  readonly first: number;
  /** Index past the last op heard to complete or fail (ops settle in order). */
  settled: number;
  /** Index past the last flush heard to complete: every op before it is durable. */
  flushed: number;
  /** Ops heard to fail, with the error name (and reports that came out of order). */
  readonly failures: Array<{ index: number; op: string; error: string }> = [];
  /** Index past the last op sent, once the page reported the stream's end; else null. */
  ended: number | null = null;
  #waiters: Array<{ count: number; resolve: () => void }> = [];

  /** Tracks a stream whose first op is `first`. */
  constructor(first: number) {
    this.first = first;
    this.settled = first;
    this.flushed = first;
  }

  /** Ops heard to settle so far. */
  get count(): number {
    return this.settled - this.first;
  }

  /** Takes in one event from the page. */
  receive(event: StreamEvent): void {
    if (event.kind === 'ended') {
      this.ended = event.next;
      this.settled = Math.max(this.settled, event.next);
    } else {
      // Not every completion is reported, but ops settle in order: one vouches for all before it.
      if (event.index < this.settled) this.failures.push({ index: event.index, op: event.op, error: `reported out of order (after ${this.settled - 1})` });
      this.settled = Math.max(this.settled, event.index + 1);
      if (event.kind === 'failed') this.failures.push({ index: event.index, op: event.op, error: event.error });
      else if (event.op === 'flush') this.flushed = event.index + 1;
    }
    for (const waiter of this.#waiters.filter((w) => this.count >= w.count || this.ended !== null)) waiter.resolve();
    this.#waiters = this.#waiters.filter((w) => this.count < w.count && this.ended === null);
  }

  /** Resolves once `count` ops settled or the stream ended; rejects after `timeoutMs` (a hang, not a timing assertion). */
  whenSettled(count: number, timeoutMs = 60_000): Promise<void> {
    if (this.count >= count || this.ended !== null) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`stream settled only ${this.count} of ${count} ops`)), timeoutMs);
      this.#waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

/** Routes the `reliabilityReport` binding of a browser context to one `StreamProgress` per stream id. */
export class StreamReports {
  readonly #streams = new Map<string, StreamProgress>();

  /** Exposes the binding to every page of `context` (call before opening pages). */
  async attach(context: BrowserContext): Promise<void> {
    await context.exposeFunction('reliabilityReport', (event: StreamEvent) => this.#streams.get(event.stream)?.receive(event));
  }

  /** Starts tracking stream `id`, whose first op is `first`. */
  track(id: string, first: number): StreamProgress {
    const progress = new StreamProgress(first);
    this.#streams.set(id, progress);
    return progress;
  }
}

/** Decodes base64 from the page. */
export function decodeBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}
