/**
 * The boot prefetcher against the real range server: it streams a manifest's chunks in order with
 * coalesced requests, stays within its lead on the guest, stops when the guest diverges, and a
 * demand never waits behind queued prefetch requests. Also the adaptive read-ahead and the slot
 * pool's lanes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { BackingDataPendingError } from '../../src/backends/remote/backing-pending-error.ts';
import { startBootPrefetch } from '../../src/backends/remote/boot-prefetch.ts';
import { BootPrefetcher } from '../../src/backends/remote/boot-prefetcher.ts';
import type { CachedRemoteFile } from '../../src/backends/remote/cached-remote-file.ts';
import { openRemoteBacking } from '../../src/backends/remote/open-remote-backing.ts';
import { manifestFromRuns, serializeManifest } from '../../src/backends/remote/prefetch-manifest.ts';
import { RangeFetcher } from '../../src/backends/remote/range-fetcher.ts';
import { ChunkTrace, TracingRemoteFile } from '../../src/backends/remote/read-trace.ts';
import { SlotPool } from '../../src/backends/remote/slot-pool.ts';
import type { RangeServer } from './range-server.ts';
import { expectBytes, randomBytes, serveBase, tempDir } from './helpers.ts';

const CHUNK = 4096;
const CHUNKS = 256;
const BASE = randomBytes(CHUNKS * CHUNK, 99);

let dir: ReturnType<typeof tempDir>;
let server: RangeServer;
let remote: CachedRemoteFile;

beforeEach(async () => {
  dir = tempDir('qedisk-prefetch-');
  server = await serveBase(dir.path, BASE);
  remote = await openRemoteBacking({ url: server.url, cacheFile: new MemoryFile(), mapFile: new MemoryFile(), chunkSize: CHUNK });
  server.resetStats();
});

afterEach(async () => {
  remote.close();
  await server.offline();
  dir.remove();
});

/** Byte ranges the server was asked for, as `[firstChunk, count]` pairs. */
function requestedChunks(): Array<[number, number]> {
  return server.stats.ranges.map((header) => {
    const [start, end] = header.replace('bytes=', '').split('-').map(Number) as [number, number];
    return [start / CHUNK, (end + 1 - start) / CHUNK];
  });
}

const fetcherOf = (): RangeFetcher => new RangeFetcher(remote, { readAheadChunks: 0 });

describe('BootPrefetcher', () => {
  it('streams every manifest chunk, planning a batch at a time: sorted, near chunks joined, at most requestBytes each, earliest in the manifest first', async () => {
    const fetcher = fetcherOf();
    const runs = [{ first: 100, count: 3 }, { first: 104, count: 2 }, { first: 0, count: 1 }, { first: 50, count: 20 }];
    const prefetcher = new BootPrefetcher(fetcher, runs, { requestBytes: 8 * CHUNK, gapChunks: 1, outstandingRequests: 2 });
    expect(await prefetcher.run()).toBe('done');
    // Batch 1 (16 chunks): 100-102 and 104-105 join across the one-chunk gap (103 comes along), 50-59 is split at 8 chunks.
    expect(requestedChunks().sort((a, b) => a[0] - b[0])).toEqual([[0, 1], [50, 8], [58, 2], [60, 8], [68, 2], [100, 6]]);
    expect(requestedChunks()[0]).toEqual([100, 6]);
    expect(fetcher.laneCounters('prefetch')).toEqual({ requests: 6, bytes: 27 * CHUNK });
    for (const { first, count } of runs) {
      const out = new Uint8Array(count * CHUNK);
      remote.read(out, { at: first * CHUNK });
      expectBytes(out, BASE.subarray(first * CHUNK, (first + count) * CHUNK));
    }
    expect(prefetcher.status()).toMatchObject({ state: 'done', manifestChunks: 26, passedChunks: 26 });
  });

  it('coalesces chunks a boot read interleaved (10, 3, 11, 4, 12, 5) into two requests', async () => {
    const runs = [10, 3, 11, 4, 12, 5].map((first) => ({ first, count: 1 }));
    await new BootPrefetcher(fetcherOf(), runs, { outstandingRequests: 1 }).run();
    expect(requestedChunks()).toEqual([[10, 3], [3, 3]]);
  });

  it('skips chunks already cached', async () => {
    remote.fill(10, BASE.slice(10 * CHUNK, 12 * CHUNK));
    const prefetcher = new BootPrefetcher(fetcherOf(), [{ first: 8, count: 6 }], { gapChunks: 0, outstandingRequests: 1 });
    await prefetcher.run();
    expect(requestedChunks()).toEqual([[8, 2], [12, 2]]);
  });

  it('keeps at most maxAheadBytes ahead of the guest, going on as the guest reads', async () => {
    const fetcher = fetcherOf();
    const prefetcher = new BootPrefetcher(fetcher, [{ first: 0, count: 64 }], { requestBytes: 4 * CHUNK, maxAheadBytes: 8 * CHUNK, outstandingRequests: 1 });
    const running = prefetcher.run();
    await waitFor(() => prefetcher.status().passedChunks === 8 && fetcher.laneCounters('prefetch').requests === 2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fetcher.laneCounters('prefetch').requests).toBe(2); // waiting for the guest
    prefetcher.observe(0, 4); // the guest read chunks 0-3: 4 more may come
    await waitFor(() => fetcher.laneCounters('prefetch').requests === 3);
    expect(requestedChunks()).toEqual([[0, 4], [4, 4], [8, 4]]);
    prefetcher.observe(60, 64); // the guest jumped to the manifest's end: what it passed is skipped
    expect(await running).toBe('done');
    expect(remote.missingChunks(12 * CHUNK, 48 * CHUNK)).toEqual([{ first: 12, count: 48 }]);
  });

  it('stops when the guest diverges: most of its recent first reads are outside the manifest', async () => {
    const fetcher = fetcherOf();
    const prefetcher = new BootPrefetcher(fetcher, [{ first: 0, count: 64 }], { requestBytes: 4 * CHUNK, maxAheadBytes: 8 * CHUNK, divergenceWindow: 8, divergenceLimit: 6, outstandingRequests: 1 });
    const running = prefetcher.run();
    await waitFor(() => fetcher.laneCounters('prefetch').requests === 2);
    prefetcher.observe(0, 2); // in the manifest
    prefetcher.observe(200, 205); // 5 chunks outside: 5 of the last 7 first reads, under the limit
    expect(prefetcher.state).toBe('running');
    prefetcher.observe(200, 205); // the same chunks again: not first reads
    expect(prefetcher.state).toBe('running');
    prefetcher.observe(210, 211); // a sixth outside chunk: diverged
    expect(await running).toBe('diverged');
    const requests = fetcher.laneCounters('prefetch').requests;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fetcher.laneCounters('prefetch').requests).toBe(requests);
    expect(remote.cacheStatus().cachedChunks).toBeLessThan(16);
  });

  it('lets a demand go before queued prefetch requests', async () => {
    server.delayMs = 30;
    const fetcher = new RangeFetcher(remote, { readAheadChunks: 0, maxConcurrentRequests: 2, maxPrefetchRequests: 2 });
    const prefetcher = new BootPrefetcher(fetcher, [{ first: 0, count: 64 }], { requestBytes: 4 * CHUNK, outstandingRequests: 8 });
    const running = prefetcher.run();
    await waitFor(() => server.stats.requests >= 2);
    await fetcher.load(new BackingDataPendingError(remote.url, [{ first: 200, count: 1 }], CHUNK));
    // Two prefetch requests were in flight; the demand took the first free slot, before six queued ones.
    expect(requestedChunks().findIndex(([first]) => first === 200)).toBeLessThanOrEqual(3);
    prefetcher.stop();
    expect(await running).toBe('stopped');
  });
});

describe('startBootPrefetch', () => {
  it('loads the manifest served next to the base and follows the reads of a TracingRemoteFile; no manifest means no prefetch', async () => {
    const manifest = serializeManifest(manifestFromRuns([{ first: 30, count: 4 }, { first: 2, count: 2 }], BASE.byteLength, CHUNK));
    const fetchFn = (url: string, init: RequestInit): Promise<Response> =>
      url.endsWith('.manifest.json') ? Promise.resolve(new Response(manifest)) : fetch(url, init);
    const fetcher = new RangeFetcher(remote, { readAheadChunks: 0, fetch: fetchFn });
    const reader = new TracingRemoteFile(remote, new ChunkTrace());
    const started = startBootPrefetch(fetcher, reader, fetchFn, { gapChunks: 0 });
    await started.done;
    expect(started.status()).toMatchObject({ state: 'done', manifestChunks: 6, requests: 2, bytes: 6 * CHUNK });
    expect(requestedChunks()).toEqual([[30, 4], [2, 2]]);

    const missing = (url: string, init: RequestInit): Promise<Response> => (url.endsWith('.manifest.json') ? Promise.resolve(new Response('nope', { status: 404 })) : fetch(url, init));
    const none = startBootPrefetch(fetcher, reader, missing);
    await none.done;
    expect(none.status()).toBeNull();
  });
});

describe('adaptive read-ahead', () => {
  it('doubles the window on each sequential demand up to the cap, and drops it on a random read', async () => {
    const fetcher = new RangeFetcher(remote, { readAheadChunks: 2, maxReadAheadBytes: 8 * CHUNK });
    const demand = async (first: number): Promise<void> => fetcher.load(new BackingDataPendingError(remote.url, [{ first, count: 1 }], CHUNK));
    await demand(0);
    expect(fetcher.readAheadWindow).toBe(0);
    const windows: number[] = [];
    for (const first of [1, 2, 3, 4]) {
      await demand(first);
      windows.push(fetcher.readAheadWindow);
    }
    expect(windows).toEqual([2, 4, 8, 8]);
    await fetcher.settled();
    expect(remote.missingChunks(0, 13 * CHUNK)).toEqual([]);
    await demand(100);
    expect(fetcher.readAheadWindow).toBe(0);
  });
});

describe('SlotPool', () => {
  it('gives a freed slot to the most urgent waiting lane within its cap', async () => {
    const pool = new SlotPool(2, { prefetch: 1 });
    const order: string[] = [];
    const gates: Array<() => void> = [];
    const task = (name: string) => () => new Promise<void>((resolve) => gates.push(() => { order.push(name); resolve(); }));
    const all = [pool.run('prefetch', task('p1')), pool.run('prefetch', task('p2')), pool.run('readahead', task('r1')), pool.run('demand', task('d1'))];
    await Promise.resolve();
    expect([pool.active('prefetch'), pool.active('readahead'), pool.waiting('prefetch'), pool.waiting('demand')]).toEqual([1, 1, 1, 1]);
    gates.shift()?.(); // p1 ends: d1 starts, not p2
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(pool.active('demand')).toBe(1);
    while (gates.length > 0) {
      gates.shift()?.();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await Promise.all(all);
    expect(order).toEqual(['p1', 'r1', 'd1', 'p2']);
    expect(pool.peak).toBe(2);
  });
});

/** Waits (up to 5 s) until `condition` holds. */
async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
