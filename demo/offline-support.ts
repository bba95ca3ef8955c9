/**
 * The page's side of the demo's service worker (`public/sw.js`), which keeps a copy of the page,
 * its modules, v86.wasm and the guest files so the demo loads with the network off after the
 * first visit. On a first visit the page is not controlled yet: `enableOfflineSupport` registers
 * the worker, waits (briefly) until it controls the page, and hands it the URLs the page loaded
 * before that, so those are kept too. Everything loaded afterwards passes through the worker.
 */

/** Where the worker is served (the site's root, so that its scope covers the page). */
const WORKER_URL = '/sw.js';
/** Longest wait for the worker to take control on a first visit, in milliseconds. */
const CONTROL_TIMEOUT_MS = 4000;
/** Longest wait for an answer to a message to the worker, in milliseconds. */
const ANSWER_TIMEOUT_MS = 30_000;

/** Where offline support stands. */
export interface OfflineState {
  /** `unsupported` (no service workers here), `failed` (registration failed), `controlled` (the worker answers this page's requests), `pending` (registered, not in control yet). */
  readonly mode: 'unsupported' | 'failed' | 'pending' | 'controlled';
  /** True when the page was controlled from its first request (a later visit). */
  readonly controlledAtLoad: boolean;
  /** The registration error, when `mode` is `failed`. */
  readonly error?: string;
}

/** What the worker keeps. */
export interface OfflineCacheStatus {
  /** Cached answers. */
  entries: number;
  /** Their body bytes. */
  bytes: number;
}

/**
 * Registers the service worker and resolves once it controls the page (or after a short
 * timeout, or at once when service workers are unavailable). Call before loading the rest of the
 * page, so that the rest is fetched through the worker. Never rejects.
 */
export async function enableOfflineSupport(): Promise<OfflineState> {
  if (!('serviceWorker' in navigator)) return { mode: 'unsupported', controlledAtLoad: false };
  const container = navigator.serviceWorker;
  const controlledAtLoad = container.controller !== null;
  try {
    await container.register(WORKER_URL, { scope: '/', type: 'classic', updateViaCache: 'none' });
  } catch (error) {
    return { mode: 'failed', controlledAtLoad, error: error instanceof Error ? error.message : String(error) };
  }
  if (!controlledAtLoad) await waitForControl(container, CONTROL_TIMEOUT_MS);
  if (container.controller === null) return { mode: 'pending', controlledAtLoad };
  void handOverEarlyLoads().catch(() => undefined);
  return { mode: 'controlled', controlledAtLoad };
}

/** Resolves when `container` gets a controller, or after `timeoutMs`. */
function waitForControl(container: ServiceWorkerContainer, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      container.removeEventListener('controllerchange', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    container.addEventListener('controllerchange', done);
    if (container.controller !== null) done();
  });
}

/** Asks the worker to keep the page and everything of this origin the page fetched so far. */
async function handOverEarlyLoads(): Promise<void> {
  const urls = new Set<string>([location.href.replace(/#.*$/, '')]);
  for (const entry of performance.getEntriesByType('resource')) {
    if (entry.name.startsWith(`${location.origin}/`)) urls.add(entry.name);
  }
  await ask({ type: 'precache', urls: [...urls] });
}

/** How much the worker keeps, or null without a worker in control (or when it does not answer). */
export async function offlineCacheStatus(): Promise<OfflineCacheStatus | null> {
  const answer = await ask({ type: 'status' }).catch(() => null);
  if (typeof answer !== 'object' || answer === null) return null;
  const entries = 'entries' in answer ? answer.entries : undefined;
  const bytes = 'bytes' in answer ? answer.bytes : undefined;
  return typeof entries === 'number' && typeof bytes === 'number' ? { entries, bytes } : null;
}

/** Sends `message` to the controlling worker and resolves with its answer. */
function ask(message: object): Promise<unknown> {
  const worker = 'serviceWorker' in navigator ? navigator.serviceWorker.controller : null;
  if (!worker) return Promise.reject(new Error('no service worker controls this page'));
  return new Promise((resolve, reject) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => {
      channel.port1.close();
      reject(new Error('the service worker did not answer'));
    }, ANSWER_TIMEOUT_MS);
    channel.port1.onmessage = (event: MessageEvent<unknown>) => {
      clearTimeout(timer);
      channel.port1.close();
      resolve(event.data);
    };
    worker.postMessage(message, [channel.port2]);
  });
}
