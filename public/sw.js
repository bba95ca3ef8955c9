// @ts-check
/// <reference lib="webworker" />
/**
 * The demo's service worker: keeps a copy of everything the page loads, so the page, its modules
 * (Vite's dev-server URLs included), the disk worker, v86.wasm and the guest files load with the
 * network off after the first visit. Disks live in OPFS and need nothing from here.
 *
 * Network first, cache as the fallback: online, every answer is fresh (the dev server changes
 * modules while people work) and replaces the cached copy; offline, the cached copy answers.
 * Passed through untouched (never cached): requests with a `Range` header (the shared base is read
 * in chunks and cached by qedisk in OPFS), the base images themselves, other origins, other
 * methods than GET, and anything that is not a complete `200` answer.
 *
 * Plain JavaScript (type-checked with `// @ts-check`) because it must be served from the site's
 * root to control the page at `/`: Vite serves `public/` there as it is.
 * Messages from the page (`demo/offline-support.ts`):
 *   `{ type: 'precache', urls: string[] }`  cache these URLs (the page loaded them before this
 *                                             worker controlled it); answers `{ type: 'precached', cached, failed }`
 *   `{ type: 'status' }`                     answers `{ type: 'status', entries, bytes }`
 */

/** Bump to drop every copy kept by an older version of this worker. */
const CACHE_NAME = 'qedisk-demo-v1';
/** Paths never cached: disk images (bases are read with Range requests and cached in OPFS). */
const UNCACHED_PATH = /\.(?:ext2|qed|raw|img)$/i;

const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));

sw.addEventListener('install', () => {
  void sw.skipWaiting();
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith('qedisk-demo-') && name !== CACHE_NAME) await caches.delete(name);
      }
      await sw.clients.claim();
    })(),
  );
});

sw.addEventListener('fetch', (event) => {
  if (!cacheable(event.request)) return;
  const answer = networkFirst(event.request);
  event.respondWith(answer.then((result) => result.response));
  // The copy is stored after the page has its answer; the worker lives until it is.
  event.waitUntil(answer.then((result) => result.stored));
});

sw.addEventListener('message', (event) => {
  const data = /** @type {unknown} */ (event.data);
  const port = event.ports[0];
  if (!port || typeof data !== 'object' || data === null || !('type' in data)) return;
  if (data.type === 'precache' && 'urls' in data && Array.isArray(data.urls)) {
    const urls = data.urls.filter(/** @returns {url is string} */ (url) => typeof url === 'string');
    event.waitUntil(precache(urls).then((result) => port.postMessage({ type: 'precached', ...result })));
  } else if (data.type === 'status') {
    event.waitUntil(status().then((result) => port.postMessage({ type: 'status', ...result })));
  }
});

/**
 * True for the requests this worker answers (and caches).
 * @param {Request} request
 * @returns {boolean}
 */
function cacheable(request) {
  if (request.method !== 'GET' || request.headers.has('range')) return false;
  const url = new URL(request.url);
  return url.origin === sw.location.origin && !UNCACHED_PATH.test(url.pathname);
}

/**
 * True for an answer worth keeping: complete, from this origin.
 * @param {Response} response
 * @returns {boolean}
 */
function keepable(response) {
  return response.status === 200 && (response.type === 'basic' || response.type === 'default');
}

/**
 * The network's answer and the promise of its cached copy, or the cached copy when the network
 * fails (rejects when there is none).
 * @param {Request} request
 * @returns {Promise<{ response: Response, stored: Promise<void> }>}
 */
async function networkFirst(request) {
  let response;
  try {
    response = await fetch(request);
  } catch (error) {
    const cached = await caches.match(request, { cacheName: CACHE_NAME, ignoreVary: true });
    if (cached) return { response: cached, stored: Promise.resolve() };
    throw error;
  }
  if (!keepable(response)) return { response, stored: Promise.resolve() };
  const copy = response.clone();
  const stored = caches
    .open(CACHE_NAME)
    .then((cache) => cache.put(request, copy))
    .catch(() => undefined);
  return { response, stored };
}

/**
 * Caches each of `urls` (same origin only) that the cache lacks.
 * @param {string[]} urls
 * @returns {Promise<{ cached: number, failed: number }>}
 */
async function precache(urls) {
  const cache = await caches.open(CACHE_NAME);
  let cached = 0;
  let failed = 0;
  for (const url of new Set(urls)) {
    const request = new Request(url);
    if (!cacheable(request)) continue;
    if (await cache.match(request, { ignoreVary: true })) {
      cached++;
      continue;
    }
    try {
      const response = await fetch(request);
      if (!keepable(response)) throw new Error(`HTTP ${response.status}`);
      await cache.put(request, response);
      cached++;
    } catch {
      failed++;
    }
  }
  return { cached, failed };
}

/**
 * How many answers are cached and their body bytes.
 * @returns {Promise<{ entries: number, bytes: number }>}
 */
async function status() {
  const cache = await caches.open(CACHE_NAME);
  let bytes = 0;
  const requests = await cache.keys();
  for (const request of requests) {
    const response = await cache.match(request, { ignoreVary: true });
    const length = Number(response?.headers.get('content-length') ?? Number.NaN);
    bytes += Number.isFinite(length) ? length : (await response?.blob())?.size ?? 0;
  }
  return { entries: requests.length, bytes };
}
