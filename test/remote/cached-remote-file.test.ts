import { afterAll, describe, expect, it } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { BackingDataPendingError } from '../../src/backends/remote/backing-pending-error.ts';
import { CachedRemoteFile } from '../../src/backends/remote/cached-remote-file.ts';
import { openRemoteBacking } from '../../src/backends/remote/open-remote-backing.ts';
import { RangeFetcher } from '../../src/backends/remote/range-fetcher.ts';
import { READ_CONTRACT_CONTENT, syncFileContract, syncFileReadContract } from '../contract/sync-file-contract.ts';
import { memoryCache, randomBytes, serveBase, tempDir } from './helpers.ts';
import type { RangeServer } from './range-server.ts';

const CHUNK = 4096;

/** A remote file of `bytes`, fully cached. */
function cachedCopy(bytes: Uint8Array): CachedRemoteFile {
  const { remote } = memoryCache(bytes, CHUNK);
  if (bytes.byteLength > 0) remote.fill(0, bytes);
  return remote;
}

/** Runs `run` and returns what it threw. */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an exception');
}

describe('SyncFile read contract: CachedRemoteFile', () => {
  const content = READ_CONTRACT_CONTENT;
  const served = tempDir('qedisk-read-contract-');
  let server: RangeServer | null = null;
  afterAll(async () => {
    await server?.offline();
    served.remove();
  });

  describe('filled in memory', () => {
    for (const readCase of syncFileReadContract) it(readCase.name, () => readCase.check(cachedCopy(content)));
  });

  describe('fetched from a real HTTP server with Range requests (8 KiB chunks, the last one partial)', () => {
    for (const readCase of syncFileReadContract) {
      it(readCase.name, async () => {
        server ??= await serveBase(served.path, content);
        const remote = await openRemoteBacking({ url: server.url, cacheFile: new MemoryFile(), mapFile: new MemoryFile(), chunkSize: 8192 });
        await new RangeFetcher(remote).makeAvailableOffline(() => undefined);
        readCase.check(remote);
        remote.close();
      });
    }
  });

  const startsEmpty = syncFileContract.find((contractCase) => contractCase.name === 'starts empty');

  it('starts empty (shared contract case, over an empty remote file)', () => {
    expect(startsEmpty).toBeDefined();
    startsEmpty?.run(cachedCopy(new Uint8Array(0)));
  });

  it('flushes without changing anything', () => {
    const bytes = randomBytes(300, 4);
    const file = cachedCopy(bytes);
    file.flush();
    const back = new Uint8Array(300);
    file.read(back, { at: 0 });
    expect(file.getSize()).toBe(300);
    expect(back).toEqual(bytes);
  });

  it('rejects writes and truncation with QedReadOnlyError (the write cases do not apply)', () => {
    const file = cachedCopy(randomBytes(8192, 5));
    expect(() => file.write(new Uint8Array(10), { at: 0 })).toThrow(expect.objectContaining({ name: 'QedReadOnlyError' }));
    expect(() => file.truncate(0)).toThrow(expect.objectContaining({ name: 'QedReadOnlyError' }));
    expect(file.getSize()).toBe(8192);
  });
});

describe('CachedRemoteFile', () => {
  it('throws BackingDataPendingError listing exactly the missing chunks, writing nothing', () => {
    const bytes = randomBytes(8 * CHUNK, 6);
    const { remote } = memoryCache(bytes, CHUNK);
    remote.fill(1, bytes.subarray(CHUNK, 2 * CHUNK));
    remote.fill(3, bytes.subarray(3 * CHUNK, 4 * CHUNK));
    const buffer = new Uint8Array(5 * CHUNK + 10).fill(0xaa);
    const error = thrown(() => remote.read(buffer, { at: 100 }));
    expect(error).toBeInstanceOf(BackingDataPendingError);
    const pending = error as BackingDataPendingError;
    expect(pending.name).toBe('BackingDataPendingError');
    expect(pending.url).toBe(remote.url);
    expect(pending.chunkSize).toBe(CHUNK);
    expect(pending.ranges).toEqual([{ first: 0, count: 1 }, { first: 2, count: 1 }, { first: 4, count: 2 }]);
    expect(buffer.every((b) => b === 0xaa)).toBe(true);
  });

  it('serves a read once its chunks are filled', () => {
    const bytes = randomBytes(8 * CHUNK, 7);
    const { remote } = memoryCache(bytes, CHUNK);
    const buffer = new Uint8Array(2 * CHUNK);
    expect(() => remote.read(buffer, { at: CHUNK + 1 })).toThrow(BackingDataPendingError);
    remote.fill(1, bytes.subarray(CHUNK, 4 * CHUNK));
    expect(remote.read(buffer, { at: CHUNK + 1 })).toBe(2 * CHUNK);
    expect(buffer).toEqual(bytes.subarray(CHUNK + 1, 3 * CHUNK + 1));
  });

  it('reads cached chunks while their neighbours are still missing', () => {
    const bytes = randomBytes(8 * CHUNK, 8);
    const { remote } = memoryCache(bytes, CHUNK);
    remote.fill(5, bytes.subarray(5 * CHUNK, 6 * CHUNK));
    const buffer = new Uint8Array(CHUNK);
    remote.read(buffer, { at: 5 * CHUNK });
    expect(buffer).toEqual(bytes.subarray(5 * CHUNK, 6 * CHUNK));
    expect(remote.missingChunks()).toEqual([{ first: 0, count: 5 }, { first: 6, count: 2 }]);
  });

  it('accepts a short last chunk and refuses fills that are not whole chunks', () => {
    const bytes = randomBytes(3 * CHUNK + 700, 9);
    const { remote } = memoryCache(bytes, CHUNK);
    expect(() => remote.fill(0, bytes.subarray(0, CHUNK - 1))).toThrow(expect.objectContaining({ name: 'QedArgumentError' }));
    expect(() => remote.fill(3, bytes.subarray(3 * CHUNK, 3 * CHUNK + 699))).toThrow(expect.objectContaining({ name: 'QedArgumentError' }));
    expect(() => remote.fill(3, new Uint8Array(CHUNK))).toThrow(expect.objectContaining({ name: 'QedArgumentError' }));
    expect(remote.cachedBytes()).toBe(0);
    remote.fill(3, bytes.subarray(3 * CHUNK));
    expect(remote.cachedBytes()).toBe(700);
    const tail = new Uint8Array(1000);
    expect(remote.read(tail, { at: 3 * CHUNK })).toBe(700);
    expect(tail.subarray(0, 700)).toEqual(bytes.subarray(3 * CHUNK));
  });

  it('reports how much is cached', () => {
    const bytes = randomBytes(4 * CHUNK + 10, 10);
    const { remote } = memoryCache(bytes, CHUNK);
    remote.fill(0, bytes.subarray(0, 2 * CHUNK));
    remote.fill(4, bytes.subarray(4 * CHUNK));
    expect(remote.cacheStatus()).toEqual({ url: remote.url, totalBytes: bytes.byteLength, cachedBytes: 2 * CHUNK + 10, chunkSize: CHUNK, chunkCount: 5, cachedChunks: 3, complete: false });
    remote.fill(2, bytes.subarray(2 * CHUNK, 4 * CHUNK));
    expect(remote.cacheStatus().complete).toBe(true);
  });

  it('keeps what it cached across a reopen of the same files', () => {
    const bytes = randomBytes(6 * CHUNK, 11);
    const { remote, cache, map } = memoryCache(bytes, CHUNK);
    remote.fill(2, bytes.subarray(2 * CHUNK, 4 * CHUNK));
    const reopened = CachedRemoteFile.open(new MemoryFile(cache.snapshot()), new MemoryFile(map.snapshot()));
    expect(reopened.identity).toEqual(remote.identity);
    expect(reopened.missingChunks()).toEqual([{ first: 0, count: 2 }, { first: 4, count: 2 }]);
    const buffer = new Uint8Array(2 * CHUNK);
    reopened.read(buffer, { at: 2 * CHUNK });
    expect(buffer).toEqual(bytes.subarray(2 * CHUNK, 4 * CHUNK));
  });

  it('forgets chunks a shortened cache file no longer holds', () => {
    const bytes = randomBytes(6 * CHUNK, 12);
    const { remote, cache, map } = memoryCache(bytes, CHUNK);
    remote.fill(0, bytes);
    const shortened = new MemoryFile(cache.snapshot().subarray(0, 3 * CHUNK + 5));
    const reopened = CachedRemoteFile.open(shortened, new MemoryFile(map.snapshot()));
    expect(reopened.missingChunks()).toEqual([{ first: 3, count: 3 }]);
    expect(() => reopened.read(new Uint8Array(10), { at: 3 * CHUNK })).toThrow(BackingDataPendingError);
  });

  it('lends views whose close leaves the cache open', () => {
    const bytes = randomBytes(2 * CHUNK, 13);
    const remote = cachedCopy(bytes);
    const view = remote.view();
    expect(view.getSize()).toBe(bytes.byteLength);
    view.close();
    expect(() => view.read(new Uint8Array(1), { at: 0 })).toThrow(expect.objectContaining({ name: 'QedClosedError' }));
    const buffer = new Uint8Array(10);
    remote.read(buffer, { at: 0 });
    expect(buffer).toEqual(bytes.subarray(0, 10));
  });

  it('throws QedClosedError once closed, and closes both files', () => {
    const { remote, cache, map } = memoryCache(randomBytes(CHUNK, 14), CHUNK);
    remote.close();
    remote.close();
    expect(() => remote.read(new Uint8Array(1), { at: 0 })).toThrow(expect.objectContaining({ name: 'QedClosedError' }));
    expect(() => cache.getSize()).toThrow();
    expect(() => map.getSize()).toThrow();
  });
});
