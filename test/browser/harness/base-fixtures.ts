/**
 * Node-side helpers for the base-* specs: base images written under `test/browser/fixtures/`
 * (git-ignored), which the Vite dev server serves with Range support, ETag and Last-Modified.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from '../driver/index.ts';

/**
 * Subfolder of this Playwright worker: workers running at the same time (the same spec in
 * Chromium and in Firefox, say) must not replace each other's fixtures mid-test.
 */
const WORKER_FOLDER = `w${process.env['TEST_PARALLEL_INDEX'] ?? '0'}`;

/** The folder the fixtures are written to. */
export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', WORKER_FOLDER);

/** URL path (on the dev server) of fixture `name`. */
export function fixturePath(name: string): string {
  return `/test/browser/fixtures/${WORKER_FOLDER}/${name}`;
}

/** Writes fixture `name` with `bytes` (replacing it: a new modification time, so a new ETag) and returns its URL path. */
export function writeFixture(name: string, bytes: Uint8Array): string {
  mkdirSync(FIXTURE_DIR, { recursive: true });
  writeFileSync(join(FIXTURE_DIR, name), bytes);
  return fixturePath(name);
}

/** Removes fixture `name` (quietly when it is gone already). */
export function removeFixture(name: string): void {
  rmSync(join(FIXTURE_DIR, name), { force: true });
}

/**
 * Serves `bytes` at `url` (any origin, nothing on the network) to every page and worker of
 * `context`, as a CORS-enabled server honouring single Range requests would, exposing
 * Content-Range, ETag and Last-Modified to scripts. Returns a counter of the requests answered.
 */
export async function routeRangeServer(context: BrowserContext, url: string, bytes: Uint8Array, etag: string): Promise<{ requests: number }> {
  const counter = { requests: 0 };
  await context.route(url, async (route) => {
    counter.requests++;
    const cors = {
      'access-control-allow-origin': '*',
      'access-control-expose-headers': 'Content-Range, Content-Length, ETag, Last-Modified',
      'access-control-allow-headers': 'Range',
      'accept-ranges': 'bytes',
      etag,
    };
    if (route.request().method() === 'OPTIONS') return route.fulfill({ status: 204, headers: cors });
    const match = /^bytes=(\d+)-(\d+)$/.exec((await route.request().headerValue('range')) ?? '');
    if (!match) return route.fulfill({ status: 200, headers: cors, body: Buffer.from(bytes) });
    const start = Number(match[1]);
    const end = Math.min(Number(match[2]), bytes.byteLength - 1);
    if (start >= bytes.byteLength) return route.fulfill({ status: 416, headers: { ...cors, 'content-range': `bytes */${bytes.byteLength}` } });
    return route.fulfill({ status: 206, headers: { ...cors, 'content-range': `bytes ${start}-${end}/${bytes.byteLength}` }, body: Buffer.from(bytes.subarray(start, end + 1)) });
  });
  return counter;
}
