import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { BackingDataPendingError } from '../../src/backends/remote/backing-pending-error.ts';
import { CachedRemoteFile } from '../../src/backends/remote/cached-remote-file.ts';
import { openRemoteBacking } from '../../src/backends/remote/open-remote-backing.ts';
import { type RangeFetcherOptions, RangeFetcher } from '../../src/backends/remote/range-fetcher.ts';
import type { Misbehaviour, RangeServer } from './range-server.ts';
import { expectBytes, randomBytes, serveBase, tempDir } from './helpers.ts';

const CHUNK = 4096;
/** 24 whole chunks and a 1000-byte tail. */
const BASE = randomBytes(24 * CHUNK + 1000, 42);

let dir: ReturnType<typeof tempDir>;
let server: RangeServer;
let cacheFile: MemoryFile;
let remote: CachedRemoteFile;

beforeEach(async () => {
  dir = tempDir('qedisk-fetcher-');
  server = await serveBase(dir.path, BASE);
  cacheFile = new MemoryFile();
  remote = await openRemoteBacking({ url: server.url, cacheFile, mapFile: new MemoryFile(), chunkSize: CHUNK });
  server.resetStats();
});

afterEach(async () => {
  remote.close();
  await server.offline();
  dir.remove();
});

/** A fetcher on `remote` without read-ahead unless asked. */
function fetcher(options: RangeFetcherOptions = {}): RangeFetcher {
  return new RangeFetcher(remote, { readAheadChunks: 0, ...options });
}

/** The cached bytes of chunks `[first, first + count)`, read synchronously. */
function cachedChunks(first: number, count: number): Uint8Array {
  const out = new Uint8Array(Math.min(count * CHUNK, BASE.byteLength - first * CHUNK));
  remote.read(out, { at: first * CHUNK });
  return out;
}

describe('openRemoteBacking on a new cache', () => {
  it('learns size and validators with a one-byte Range request', async () => {
    const fresh = await openRemoteBacking({ url: server.url, cacheFile: new MemoryFile(), mapFile: new MemoryFile(), chunkSize: CHUNK });
    expect(fresh.identity).toMatchObject({ url: server.url, size: BASE.byteLength, etag: server.etag });
    expect(fresh.identity.lastModified).not.toBeNull();
    expect(server.stats.ranges).toEqual(['bytes=0-0']);
    expect(fresh.cachedBytes()).toBe(0);
    fresh.close();
  });
});

describe('RangeFetcher', () => {
  it('coalesces adjacent missing chunks into one request', async () => {
    const f = fetcher();
    await f.fetchChunks([{ first: 2, count: 3 }, { first: 5, count: 2 }]);
    expect(server.stats.ranges).toEqual([`bytes=${2 * CHUNK}-${7 * CHUNK - 1}`]);
    expect(f.bytesFetched).toBe(5 * CHUNK);
    expect(f.requests).toBe(1);
    expectBytes(cachedChunks(2, 5), BASE.subarray(2 * CHUNK, 7 * CHUNK));
  });

  it('skips cached chunks, splitting the run around them', async () => {
    remote.fill(3, BASE.subarray(3 * CHUNK, 4 * CHUNK));
    await fetcher().fetchChunks([{ first: 0, count: 6 }]);
    expect(server.stats.ranges).toEqual([`bytes=0-${3 * CHUNK - 1}`, `bytes=${4 * CHUNK}-${6 * CHUNK - 1}`]);
    expectBytes(cachedChunks(0, 6), BASE.subarray(0, 6 * CHUNK));
  });

  it('fetches the short last chunk up to the end of the file', async () => {
    await fetcher().fetchChunks([{ first: 24, count: 1 }]);
    expect(server.stats.ranges).toEqual([`bytes=${24 * CHUNK}-${BASE.byteLength - 1}`]);
    expectBytes(cachedChunks(24, 1), BASE.subarray(24 * CHUNK));
  });

  it('splits long runs at maxRequestBytes and keeps at most maxConcurrentRequests in flight', async () => {
    server.delayMs = 20;
    const f = fetcher({ maxRequestBytes: 2 * CHUNK, maxConcurrentRequests: 3 });
    await f.fetchChunks([{ first: 0, count: 24 }]);
    expect(f.requests).toBe(12);
    expect(f.peakConcurrentRequests).toBe(3);
    expect(server.stats.peakConcurrent).toBeLessThanOrEqual(3);
    expect(server.stats.peakConcurrent).toBeGreaterThanOrEqual(2);
    expectBytes(cachedChunks(0, 24), BASE.subarray(0, 24 * CHUNK));
  });

  it('shares one request between concurrent demands for the same chunks', async () => {
    server.delayMs = 20;
    const f = fetcher();
    await Promise.all([f.fetchChunks([{ first: 0, count: 4 }]), f.fetchChunks([{ first: 2, count: 4 }])]);
    expect(server.stats.bytesServed).toBe(6 * CHUNK);
    expect(f.bytesFetched).toBe(6 * CHUNK);
    expectBytes(cachedChunks(0, 6), BASE.subarray(0, 6 * CHUNK));
  });

  it('reports progress after every request', async () => {
    const seen: number[] = [];
    const f = fetcher({ maxRequestBytes: 4 * CHUNK, onProgress: ({ bytesFetched }) => seen.push(bytesFetched) });
    await f.fetchChunks([{ first: 0, count: 8 }]);
    expect(seen.sort((a, b) => a - b)).toEqual([4 * CHUNK, 8 * CHUNK]);
  });

  it('reads ahead only after a demand that continues the previous one, in its own request', async () => {
    const f = new RangeFetcher(remote, { readAheadChunks: 3 });
    await f.load(new BackingDataPendingError(remote.url, [{ first: 0, count: 1 }], CHUNK));
    await f.load(new BackingDataPendingError(remote.url, [{ first: 1, count: 1 }], CHUNK));
    await f.settled();
    await f.load(new BackingDataPendingError(remote.url, [{ first: 10, count: 1 }], CHUNK));
    await f.settled();
    expect(server.stats.ranges.slice(0, 1)).toEqual([`bytes=0-${CHUNK - 1}`]);
    expect(server.stats.ranges.slice(1, 3).sort()).toEqual([`bytes=${CHUNK}-${2 * CHUNK - 1}`, `bytes=${2 * CHUNK}-${5 * CHUNK - 1}`]);
    expect(server.stats.ranges.slice(3)).toEqual([`bytes=${10 * CHUNK}-${11 * CHUNK - 1}`]);
    expect(remote.missingChunks(0, 11 * CHUNK)).toEqual([{ first: 5, count: 5 }]);
    expect(f.laneCounters('readahead')).toEqual({ requests: 1, bytes: 3 * CHUNK });
  });

  it('starts no sequential run with fetchChunks, which an image format opening uses', async () => {
    const f = new RangeFetcher(remote, { readAheadChunks: 3 });
    // An image format opening: its header, then its table right after it.
    await f.fetchChunks([{ first: 0, count: 1 }]);
    await f.fetchChunks([{ first: 1, count: 1 }]);
    await f.settled();
    expect(f.readAheadWindow).toBe(0);
    // The guest's first read continues the table's chunk, but it is the guest's first demand.
    await f.load(new BackingDataPendingError(remote.url, [{ first: 2, count: 1 }], CHUNK));
    await f.settled();
    expect(server.stats.ranges).toEqual([`bytes=0-${CHUNK - 1}`, `bytes=${CHUNK}-${2 * CHUNK - 1}`, `bytes=${2 * CHUNK}-${3 * CHUNK - 1}`]);
    expect(f.laneCounters('readahead')).toEqual({ requests: 0, bytes: 0 });
    // The guest's next sequential read does read ahead.
    await f.load(new BackingDataPendingError(remote.url, [{ first: 3, count: 1 }], CHUNK));
    await f.settled();
    expect(f.laneCounters('readahead')).toEqual({ requests: 1, bytes: 3 * CHUNK });
    expect(remote.missingChunks(0, 8 * CHUNK)).toEqual([{ first: 7, count: 1 }]);
  });

  it('refuses to load chunks of another URL', async () => {
    const error = new BackingDataPendingError('http://127.0.0.1:9/other.img', [{ first: 0, count: 1 }], CHUNK);
    await expect(fetcher().load(error)).rejects.toMatchObject({ name: 'QedBackingError' });
    expect(server.stats.requests).toBe(0);
  });

  it('accepts a 200 with the whole body from a server ignoring Range when the file is small', async () => {
    server.misbehaviour = 'ignore-range';
    const f = fetcher({ smallFileBytes: 1024 * 1024 });
    await f.fetchChunks([{ first: 4, count: 1 }]);
    expect(remote.cacheStatus().complete).toBe(true);
    expectBytes(cachedChunks(0, 25), BASE);
  });

  it('refuses a server ignoring Range when the file is large, caching nothing', async () => {
    server.misbehaviour = 'ignore-range';
    await expect(fetcher({ smallFileBytes: 8192 }).fetchChunks([{ first: 4, count: 1 }])).rejects.toMatchObject({ name: 'QedBackingError' });
    expect(remote.cachedBytes()).toBe(0);
  });

  const misbehaviours: Array<[Misbehaviour, string]> = [
    ['wrong-range', 'QedBackingError'],
    ['short-body', 'QedBackingError'],
    ['long-body', 'QedBackingError'],
    ['no-content-range', 'QedBackingError'],
    ['status-404', 'QedBackingError'],
    ['wrong-total', 'QedBackingChangedError'],
    ['status-500', 'QedIoError'],
  ];
  for (const [misbehaviour, name] of misbehaviours) {
    it(`rejects a ${misbehaviour} answer with ${name} and leaves the cache as it was`, async () => {
      remote.fill(0, BASE.subarray(0, CHUNK));
      const before = cacheFile.snapshot();
      server.misbehaviour = misbehaviour;
      await expect(fetcher().fetchChunks([{ first: 1, count: 3 }])).rejects.toMatchObject({ name });
      expect(remote.missingChunks()).toEqual([{ first: 1, count: 24 }]);
      expectBytes(cacheFile.snapshot(), before, 'cache file');
      expectBytes(cachedChunks(0, 1), BASE.subarray(0, CHUNK));
    });
  }

  it('detects a replaced file of the same size by its ETag', async () => {
    server.replace(randomBytes(BASE.byteLength, 7));
    await expect(fetcher().fetchChunks([{ first: 0, count: 1 }])).rejects.toMatchObject({ name: 'QedBackingChangedError' });
    expect(remote.cachedBytes()).toBe(0);
  });

  it('detects a resized file by its size even without validators', async () => {
    const bare = await openRemoteBacking({ url: server.url, cacheFile: new MemoryFile(), mapFile: new MemoryFile(), chunkSize: CHUNK });
    const identity = { ...bare.identity, etag: null, lastModified: null };
    bare.close();
    const unvalidated = CachedRemoteFile.create(new MemoryFile(), new MemoryFile(), identity, CHUNK);
    server.replace(BASE.subarray(0, BASE.byteLength - 2000));
    await expect(new RangeFetcher(unvalidated).fetchChunks([{ first: 0, count: 1 }])).rejects.toMatchObject({ name: 'QedBackingChangedError' });
    expect(unvalidated.cachedBytes()).toBe(0);
    unvalidated.close();
  });

  it('fails with QedIoError when the server is offline', async () => {
    await server.offline();
    await expect(fetcher().fetchChunks([{ first: 0, count: 1 }])).rejects.toMatchObject({ name: 'QedIoError' });
    expect(remote.cachedBytes()).toBe(0);
  });
});

describe('RangeFetcher.makeAvailableOffline', () => {
  it('fetches only what is missing, reporting growing progress', async () => {
    remote.fill(5, BASE.subarray(5 * CHUNK, 9 * CHUNK));
    const progress: number[] = [];
    const f = fetcher({ maxRequestBytes: 4 * CHUNK });
    const status = await f.makeAvailableOffline(({ cachedBytes, totalBytes }) => {
      expect(totalBytes).toBe(BASE.byteLength);
      progress.push(cachedBytes);
    });
    expect(status.complete).toBe(true);
    expect(status.cachedBytes).toBe(BASE.byteLength);
    expect(server.stats.bytesServed).toBe(BASE.byteLength - 4 * CHUNK);
    expect(progress.length).toBeGreaterThan(2);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress[progress.length - 1]).toBe(BASE.byteLength);
    await server.offline();
    expectBytes(cachedChunks(0, 25), BASE);
  });

  it('stops with QedIoError when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(fetcher().makeAvailableOffline(undefined, controller.signal)).rejects.toMatchObject({ name: 'QedIoError' });
    expect(server.stats.requests).toBe(0);
  });
});
