import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { NodeFile } from '../../src/backends/node-file.ts';
import type { CachedRemoteFile } from '../../src/backends/remote/cached-remote-file.ts';
import { openRemoteBacking } from '../../src/backends/remote/open-remote-backing.ts';
import { RangeFetcher } from '../../src/backends/remote/range-fetcher.ts';
import { runWithBacking } from '../../src/backends/remote/run-with-backing.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import type { BackingFormat, BackingResolver } from '../../src/engine/types.ts';
import { readWholeDisk, randomWorkload } from './overlay-driver.ts';
import type { RangeServer } from './range-server.ts';
import { expectBytes, randomBytes, serveBase, tempDir } from './helpers.ts';

const MIB = 1024 * 1024;
const CHUNK = 64 * 1024;
/** 64 whole chunks and a 1536-byte tail. */
const RAW_BASE = randomBytes(4 * MIB + 1536, 2024);
/** Random operations stay below this guest offset ... */
const WORK_LIMIT = 2.5 * MIB;
/** ... so that, even with read-ahead, nothing from here on is fetched by them. */
const UNTOUCHED_FROM = 3 * MIB;

let dir: ReturnType<typeof tempDir>;
let server: RangeServer;

afterEach(async () => {
  await server.offline();
  dir.remove();
});

/** Opens the cache files in the temp dir (`create` empties them) and the remote cache over them. */
function openCache(mode: 'create' | 'readwrite'): Promise<CachedRemoteFile> {
  return openRemoteBacking({ url: server.url, cacheFile: NodeFile.open(join(dir.path, 'disk.cache'), mode), mapFile: NodeFile.open(join(dir.path, 'disk.map'), mode), chunkSize: CHUNK });
}

/** A resolver serving `remote` (through a view) for its own URL only. */
function resolverFor(remote: CachedRemoteFile): BackingResolver {
  return ({ name }) => {
    if (name !== remote.url) throw new Error(`unexpected backing name ${name}`);
    return remote.view();
  };
}

/** Creates an overlay of `size` bytes in memory over `remote`, through `runWithBacking`. */
function createOverlay(remote: CachedRemoteFile, fetcher: RangeFetcher, size: number, format: BackingFormat): Promise<{ image: QedImage; file: MemoryFile }> {
  const file = new MemoryFile();
  return runWithBacking(() => ({ image: QedImage.create(file, { size, backing: { name: remote.url, format }, resolveBacking: resolverFor(remote) }), file }), fetcher);
}

/** Marks the overlay clean, keeps its bytes and closes it (as the end of a session). */
function closeOverlay(image: QedImage, file: MemoryFile): Uint8Array {
  image.markClean();
  const bytes = file.snapshot();
  image.close();
  return bytes;
}

describe('a QED overlay over a raw base served over HTTP', () => {
  beforeEach(async () => {
    dir = tempDir('qedisk-remote-raw-');
    server = await serveBase(dir.path, RAW_BASE);
  });

  it('fetches the base size on a first full read and nothing on a second', async () => {
    const remote = await openCache('create');
    const fetcher = new RangeFetcher(remote);
    const { image } = await createOverlay(remote, fetcher, RAW_BASE.byteLength, 'raw');
    server.resetStats();
    expectBytes(await readWholeDisk(image, fetcher), RAW_BASE);
    expect(fetcher.bytesFetched).toBe(RAW_BASE.byteLength);
    expect(server.stats.bytesServed).toBe(RAW_BASE.byteLength);
    const requests = server.stats.requests;
    expect(requests).toBeLessThan(remote.chunkCount);
    expectBytes(await readWholeDisk(image, fetcher), RAW_BASE);
    expect(fetcher.bytesFetched).toBe(RAW_BASE.byteLength);
    expect(server.stats.requests).toBe(requests);
    image.close();
    remote.close();
  });

  it('matches a model under seeded random reads and writes, and reads the same offline after a reopen', async () => {
    const model = RAW_BASE.slice();
    let remote = await openCache('create');
    const fetcher = new RangeFetcher(remote);
    const { image, file } = await createOverlay(remote, fetcher, RAW_BASE.byteLength, 'raw');
    const reads = await randomWorkload(image, fetcher, model, 7, 60, WORK_LIMIT);
    expect(reads.length).toBeGreaterThan(10);
    expect(fetcher.bytesFetched).toBeLessThanOrEqual(UNTOUCHED_FROM);
    const overlayBytes = closeOverlay(image, file);
    remote.close();
    await server.offline();

    remote = await openCache('readwrite');
    const reopened = QedImage.open(new MemoryFile(overlayBytes), { resolveBacking: resolverFor(remote) });
    for (const { offset, length } of reads) {
      expectBytes(reopened.read(offset, length), model.subarray(offset, offset + length), `offline read of ${length} bytes at ${offset}`);
    }
    expect(remote.missingChunks(UNTOUCHED_FROM).length).toBeGreaterThan(0);
    const offlineFetcher = new RangeFetcher(remote);
    await expect(runWithBacking(() => reopened.read(UNTOUCHED_FROM, CHUNK), offlineFetcher)).rejects.toMatchObject({ name: 'QedIoError' });
    const first = reads[0]!;
    expectBytes(reopened.read(first.offset, first.length), model.subarray(first.offset, first.offset + first.length));
    reopened.close();
    remote.close();
  });

  it('makeAvailableOffline fetches the rest once, then the whole disk reads offline', async () => {
    const remote = await openCache('create');
    const fetcher = new RangeFetcher(remote);
    const { image } = await createOverlay(remote, fetcher, RAW_BASE.byteLength, 'raw');
    await runWithBacking(() => image.read(MIB + 100, 300 * 1024), fetcher);
    const progress: number[] = [];
    const status = await fetcher.makeAvailableOffline(({ cachedBytes }) => progress.push(cachedBytes));
    expect(status).toMatchObject({ complete: true, cachedBytes: RAW_BASE.byteLength, totalBytes: RAW_BASE.byteLength });
    expect(fetcher.bytesFetched).toBe(RAW_BASE.byteLength);
    expect(progress[progress.length - 1]).toBe(RAW_BASE.byteLength);
    await server.offline();
    expectBytes(image.read(0, image.size), RAW_BASE);
    image.close();
    remote.close();
  });

  it('stops with QedBackingChangedError when the served base changes, keeping what was cached', async () => {
    const remote = await openCache('create');
    const fetcher = new RangeFetcher(remote, { readAheadChunks: 0 });
    const { image } = await createOverlay(remote, fetcher, RAW_BASE.byteLength, 'raw');
    await runWithBacking(() => image.read(0, 2 * CHUNK), fetcher);
    const cached = remote.cachedBytes();
    server.replace(randomBytes(RAW_BASE.byteLength, 99));
    await expect(runWithBacking(() => image.read(MIB, CHUNK), fetcher)).rejects.toMatchObject({ name: 'QedBackingChangedError' });
    expect(remote.cachedBytes()).toBe(cached);
    expectBytes(image.read(0, 2 * CHUNK), RAW_BASE.subarray(0, 2 * CHUNK));
    server.replace(RAW_BASE.subarray(0, 3 * MIB));
    await expect(runWithBacking(() => image.read(2 * MIB, CHUNK), fetcher)).rejects.toMatchObject({ name: 'QedBackingChangedError' });
    image.close();
    remote.close();
  });
});

describe('a QED overlay over a QED base served over HTTP', () => {
  const size = 4 * MIB;
  let baseModel: Uint8Array;
  let baseFileSize: number;

  beforeEach(async () => {
    dir = tempDir('qedisk-remote-qed-');
    const path = join(dir.path, 'base.qed');
    const base = QedImage.create(NodeFile.open(path, 'create'), { size, clusterSize: CHUNK });
    base.write(MIB / 2, randomBytes(MIB, 1));
    base.write(3 * MIB + 1234, randomBytes(200 * 1024, 2));
    baseModel = base.read(0, size);
    base.close();
    const file = NodeFile.open(path, 'read');
    const bytes = new Uint8Array(file.getSize());
    file.read(bytes, { at: 0 });
    file.close();
    baseFileSize = bytes.byteLength;
    server = await serveBase(dir.path, bytes);
  });

  it('opens through runWithBacking, matches a model, and reads the same offline after a reopen', async () => {
    let remote = await openCache('create');
    const fetcher = new RangeFetcher(remote);
    const { image, file } = await createOverlay(remote, fetcher, size, 'qed');
    expect(fetcher.requests).toBeGreaterThan(0);
    expect(image.info().backingFormat).toBe('probe');
    const model = baseModel.slice();
    const reads = await randomWorkload(image, fetcher, model, 11, 40, size);
    reads.push({ offset: 0, length: size });
    expectBytes(await readWholeDisk(image, fetcher), model);
    expect(baseFileSize).toBeLessThan(size);
    expect(fetcher.bytesFetched).toBeLessThanOrEqual(baseFileSize);
    const overlayBytes = closeOverlay(image, file);
    remote.close();
    await server.offline();

    remote = await openCache('readwrite');
    const reopened = QedImage.open(new MemoryFile(overlayBytes), { resolveBacking: resolverFor(remote) });
    for (const { offset, length } of reads) {
      expectBytes(reopened.read(offset, length), model.subarray(offset, offset + length), `offline read of ${length} bytes at ${offset}`);
    }
    reopened.close();
    remote.close();
  });
});
