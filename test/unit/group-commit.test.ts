import { describe, expect, it } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import { memoryResolver, pattern } from '../support/images.ts';
import { RecordingFile } from '../support/recording-file.ts';

const KIB = 1024;
const MIB = 1024 * KIB;

/** An 8 MiB overlay (64 KiB clusters) on a 4 MiB raw base, with its first L2 table already made. */
function overlay(groupCommitLimit: number): { image: QedImage; file: RecordingFile; bytes: MemoryFile; base: Uint8Array; resolve: ReturnType<typeof memoryResolver> } {
  const base = pattern(4 * MIB, 8);
  const resolve = memoryResolver({ b: new MemoryFile(base) });
  const bytes = new MemoryFile();
  const file = new RecordingFile(bytes);
  const image = QedImage.create(file, { size: 8 * MIB, backing: { name: 'b', format: 'raw' }, resolveBacking: resolve, groupCommitLimit });
  image.write(0, pattern(4 * KIB, 1)); // creates the table (flushed before L1 names it)
  file.calls.length = 0;
  return { image, file, bytes, base, resolve };
}

describe('group commit over a backing image', () => {
  it('writes the data of several allocating writes, then one flush, then their table sectors once', () => {
    const { image, file } = overlay(64);
    for (let i = 1; i <= 4; i++) image.write(i * 64 * KIB + 512, pattern(4 * KIB, 10 + i));
    expect(file.calls.every((call) => call.op === 'write' && call.length === 64 * KIB)).toBe(true);
    expect(image.pendingAllocations).toBe(4);
    expect(image.commitPending()).toBe(true);
    const commit = file.calls.slice(4);
    expect(commit).toEqual([{ op: 'flush' }, { op: 'write', at: 0x60000, length: 512 }]);
    expect(image.pendingAllocations).toBe(0);
    expect(image.commitPending()).toBe(false);
    expect(image.ioStats()).toMatchObject({ groupCommits: 1 });
  });

  it('lets reads and later writes see waiting entries at once', () => {
    const { image, file, base } = overlay(64);
    const data = pattern(4 * KIB, 20);
    image.write(3 * 64 * KIB + 100, data);
    expect(image.read(3 * 64 * KIB + 100, data.byteLength)).toEqual(data);
    // The rest of the cluster was filled from the base.
    expect(image.read(3 * 64 * KIB, 100)).toEqual(base.subarray(3 * 64 * KIB, 3 * 64 * KIB + 100));
    const more = pattern(512, 21);
    const before = file.getSize();
    image.write(3 * 64 * KIB + 8 * KIB, more); // in place: no second cluster
    expect(file.getSize()).toBe(before);
    expect(image.read(3 * 64 * KIB + 8 * KIB, 512)).toEqual(more);
    expect(image.pendingAllocations).toBe(1);
  });

  it('keeps a waiting entry off the disk until its data is flushed, and on it after the commit', () => {
    const { image, bytes, base, resolve } = overlay(64);
    const data = pattern(4 * KIB, 30);
    image.write(5 * 64 * KIB, data);
    // A kill now (every write issued so far reached the file): the entry is not there yet, so the
    // guest reads the base as before, and the data cluster is a leak a check reports.
    const killed = QedImage.open(new MemoryFile(bytes.snapshot()), { readOnly: true, resolveBacking: resolve });
    expect(killed.read(5 * 64 * KIB, data.byteLength)).toEqual(base.subarray(5 * 64 * KIB, 5 * 64 * KIB + data.byteLength));
    expect(killed.check()).toMatchObject({ corruptions: 0, leaks: 1 });
    killed.close();
    image.commitPending();
    const committed = QedImage.open(new MemoryFile(bytes.snapshot()), { readOnly: true, resolveBacking: resolve });
    expect(committed.read(5 * 64 * KIB, data.byteLength)).toEqual(data);
    expect(committed.check()).toMatchObject({ corruptions: 0, leaks: 0 });
    committed.close();
  });

  it('commits on its own when the limit is reached, and before any other table change', () => {
    const { image, file } = overlay(3);
    image.write(1 * 64 * KIB, pattern(512, 1));
    image.write(2 * 64 * KIB, pattern(512, 2));
    expect(file.calls.filter((call) => call.op === 'flush')).toHaveLength(0);
    image.write(3 * 64 * KIB, pattern(512, 3));
    expect(file.calls.filter((call) => call.op === 'flush')).toHaveLength(1);
    expect(image.pendingAllocations).toBe(0);
    image.write(4 * 64 * KIB, pattern(512, 4));
    file.calls.length = 0;
    // Zeroing whole clusters changes the table in place: the waiting entry is committed first.
    image.writeZeroes(6 * 64 * KIB, 64 * KIB);
    expect(file.calls.slice(0, 2)).toEqual([{ op: 'flush' }, { op: 'write', at: 0x60000, length: 512 }]);
    expect(image.pendingAllocations).toBe(0);
  });

  it('commits at flush, check and close, so a reopened image holds every write', () => {
    for (const finish of ['flush', 'check', 'close'] as const) {
      const { image, bytes, resolve } = overlay(64);
      const data = pattern(8 * KIB, 40);
      image.write(7 * 64 * KIB, data);
      if (finish === 'flush') image.flush();
      else if (finish === 'check') expect(image.check()).toMatchObject({ corruptions: 0, leaks: 0 });
      else image.close();
      const reopened = QedImage.open(new MemoryFile(bytes.snapshot()), { readOnly: true, resolveBacking: resolve });
      expect(reopened.read(7 * 64 * KIB, data.byteLength), finish).toEqual(data);
      reopened.close();
    }
  });

  it('keeps waiting pages in the cache however small its budget', () => {
    const base = pattern(4 * MIB, 9);
    const resolve = memoryResolver({ b: new MemoryFile(base) });
    const file = new MemoryFile();
    // 4 KiB clusters, tables of 2 clusters (1,024 entries, 4 MiB each) read in 512-byte pages; an 8-page cache.
    const image = QedImage.create(file, { size: 8 * MIB, clusterSize: 4 * KIB, tableSize: 2, backing: { name: 'b', format: 'raw' }, resolveBacking: resolve, groupCommitLimit: 64, l2CacheBytes: 4 * KIB, l2PageBytes: 512 });
    const written = new Map<number, Uint8Array>();
    for (let table = 0; table < 2; table++) image.write(table * 4 * MIB, pattern(512, 100 + table)); // both tables exist
    for (let i = 0; i < 40; i++) {
      const offset = ((i * 37) % 2048) * 4 * KIB + 1024; // clusters spread over both tables
      if (!written.has(offset)) {
        const data = pattern(512, 200 + i);
        image.write(offset, data);
        written.set(offset, data);
      }
    }
    expect(image.pendingAllocations).toBeGreaterThan(0);
    expect(image.ioStats().l2Cache.evictions).toBeGreaterThan(0); // other pages were evicted
    for (const [offset, data] of written) expect(image.read(offset, 512)).toEqual(data);
    image.close();
    const reopened = QedImage.open(new MemoryFile(file.snapshot()), { readOnly: true, resolveBacking: resolve });
    for (const [offset, data] of written) expect(reopened.read(offset, 512)).toEqual(data);
    expect(reopened.check()).toMatchObject({ corruptions: 0, leaks: 0 });
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => overlay(0)).toThrow(/groupCommitLimit 0 must be a positive integer/);
    expect(() => overlay(1.5)).toThrow(/QedArgumentError|positive integer/);
  });
});
