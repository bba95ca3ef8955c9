import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { openRemoteBacking } from '../../src/backends/remote/open-remote-backing.ts';
import { RangeFetcher } from '../../src/backends/remote/range-fetcher.ts';
import type { RangeServer } from './range-server.ts';
import { expectBytes, randomBytes, serveBase, tempDir } from './helpers.ts';

const CHUNK = 4096;
const BASE = randomBytes(10 * CHUNK, 5);

let dir: ReturnType<typeof tempDir>;
let server: RangeServer;

beforeEach(async () => {
  dir = tempDir('qedisk-open-remote-');
  server = await serveBase(dir.path, BASE);
});

afterEach(async () => {
  await server.offline();
  dir.remove();
});

/** Starts a cache in memory, fetches chunks 0-3 into it, closes it and returns copies of its files. */
async function startedCache(): Promise<{ cache: Uint8Array; map: Uint8Array }> {
  const cacheFile = new MemoryFile();
  const mapFile = new MemoryFile();
  const remote = await openRemoteBacking({ url: server.url, cacheFile, mapFile, chunkSize: CHUNK });
  await new RangeFetcher(remote).fetchChunks([{ first: 0, count: 4 }]);
  const files = { cache: cacheFile.snapshot(), map: mapFile.snapshot() };
  remote.close();
  return files;
}

describe('openRemoteBacking', () => {
  it('opens an existing cache of the same URL without the network', async () => {
    const files = await startedCache();
    await server.offline();
    server.resetStats();
    const remote = await openRemoteBacking({ url: server.url, cacheFile: new MemoryFile(files.cache), mapFile: new MemoryFile(files.map) });
    expect(remote.cachedBytes()).toBe(4 * CHUNK);
    const bytes = new Uint8Array(4 * CHUNK);
    remote.read(bytes, { at: 0 });
    expectBytes(bytes, BASE.subarray(0, 4 * CHUNK));
    expect(server.stats.requests).toBe(0);
    remote.close();
  });

  it('starts afresh when the cache belongs to another URL', async () => {
    const files = await startedCache();
    const otherUrl = server.url.replace('127.0.0.1', 'localhost');
    const remote = await openRemoteBacking({ url: otherUrl, cacheFile: new MemoryFile(files.cache), mapFile: new MemoryFile(files.map) });
    expect(remote.url).toBe(otherUrl);
    expect(remote.cachedBytes()).toBe(0);
    remote.close();
  });

  it('starts afresh when the map is damaged', async () => {
    const files = await startedCache();
    files.map.fill(0, 0, 8);
    server.resetStats();
    const remote = await openRemoteBacking({ url: server.url, cacheFile: new MemoryFile(files.cache), mapFile: new MemoryFile(files.map) });
    expect(remote.cachedBytes()).toBe(0);
    expect(server.stats.ranges).toEqual(['bytes=0-0']);
    remote.close();
  });

  it('with revalidate, reports a changed base as QedBackingChangedError and closes the files', async () => {
    const files = await startedCache();
    server.replace(randomBytes(BASE.byteLength, 6));
    const cacheFile = new MemoryFile(files.cache);
    const mapFile = new MemoryFile(files.map);
    await expect(openRemoteBacking({ url: server.url, cacheFile, mapFile, revalidate: true })).rejects.toMatchObject({ name: 'QedBackingChangedError' });
    expect(() => cacheFile.getSize()).toThrow();
    expect(() => mapFile.getSize()).toThrow();
  });

  it('with revalidate, opens offline when the server cannot be reached', async () => {
    const files = await startedCache();
    await server.offline();
    const remote = await openRemoteBacking({ url: server.url, cacheFile: new MemoryFile(files.cache), mapFile: new MemoryFile(files.map), revalidate: true });
    expect(remote.cachedBytes()).toBe(4 * CHUNK);
    remote.close();
  });

  it('fails with QedIoError when a new cache needs a probe and the server is offline', async () => {
    await server.offline();
    await expect(openRemoteBacking({ url: server.url, cacheFile: new MemoryFile(), mapFile: new MemoryFile() })).rejects.toMatchObject({ name: 'QedIoError' });
  });

  it('fails with QedBackingError when the server does not have the file', async () => {
    await expect(openRemoteBacking({ url: server.url.replace('base.img', 'missing.img'), cacheFile: new MemoryFile(), mapFile: new MemoryFile() })).rejects.toMatchObject({ name: 'QedBackingError' });
  });

  it('accepts a server that ignores Range only for a file up to smallFileBytes', async () => {
    server.misbehaviour = 'ignore-range';
    const remote = await openRemoteBacking({ url: server.url, cacheFile: new MemoryFile(), mapFile: new MemoryFile(), chunkSize: CHUNK });
    expect(remote.identity.size).toBe(BASE.byteLength);
    remote.close();
    await expect(openRemoteBacking({ url: server.url, cacheFile: new MemoryFile(), mapFile: new MemoryFile(), smallFileBytes: 8192 })).rejects.toMatchObject({ name: 'QedBackingError' });
  });

  it('learns the size of an empty file from a 416 answer', async () => {
    server.replace(new Uint8Array(0));
    const remote = await openRemoteBacking({ url: server.url, cacheFile: new MemoryFile(), mapFile: new MemoryFile() });
    expect(remote.getSize()).toBe(0);
    expect(remote.cacheStatus().complete).toBe(true);
    remote.close();
  });
});
