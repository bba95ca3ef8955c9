import { describe, expect, it } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { ChunkMap } from '../../src/backends/remote/chunk-map.ts';
import type { RemoteIdentity } from '../../src/backends/remote/remote-identity.ts';

const identity: RemoteIdentity = { url: 'https://example.org/base.img', size: 10 * 4096 + 100, etag: '"abc"', lastModified: 'Mon, 01 Jan 2024 00:00:01 GMT' };

describe('ChunkMap', () => {
  it('starts with every chunk missing, counting a short last chunk', () => {
    const map = ChunkMap.create(new MemoryFile(), identity, 4096);
    expect(map.chunkCount).toBe(11);
    expect(map.chunkLength(10)).toBe(100);
    expect(map.presentCount).toBe(0);
    expect(map.missing()).toEqual([{ first: 0, count: 11 }]);
  });

  it('lists missing chunks as maximal runs within the asked window', () => {
    const map = ChunkMap.create(new MemoryFile(), identity, 4096);
    map.mark(2, 3);
    map.mark(8, 1);
    expect(map.missing()).toEqual([{ first: 0, count: 2 }, { first: 5, count: 3 }, { first: 9, count: 2 }]);
    expect(map.missing(3, 6)).toEqual([{ first: 5, count: 1 }]);
    expect(map.missing(2, 5)).toEqual([]);
  });

  it('keeps its bits, identity and chunk size across a reopen', () => {
    const file = new MemoryFile();
    const map = ChunkMap.create(file, identity, 4096);
    map.mark(0, 1);
    map.mark(7, 4);
    const reopened = ChunkMap.open(new MemoryFile(file.snapshot()));
    expect(reopened.identity).toEqual(identity);
    expect(reopened.chunkSize).toBe(4096);
    expect(reopened.presentCount).toBe(5);
    expect(reopened.presentBytes).toBe(4 * 4096 + 100);
    expect(reopened.missing()).toEqual([{ first: 1, count: 6 }]);
  });

  it('unmarks chunks again', () => {
    const map = ChunkMap.create(new MemoryFile(), identity, 4096);
    map.mark(0, 11);
    map.unmark(3, 2);
    expect(map.presentCount).toBe(9);
    expect(map.missing()).toEqual([{ first: 3, count: 2 }]);
  });

  it('rejects chunk indexes outside the file', () => {
    const map = ChunkMap.create(new MemoryFile(), identity, 4096);
    expect(() => map.mark(10, 2)).toThrow(expect.objectContaining({ name: 'QedArgumentError' }));
  });

  it('rejects a chunk size that is not a power of two from 4 KiB to 16 MiB', () => {
    for (const size of [0, 1000, 2048, 4097, 32 * 1024 * 1024]) {
      expect(() => ChunkMap.create(new MemoryFile(), identity, size)).toThrow(expect.objectContaining({ name: 'QedArgumentError' }));
    }
  });

  it('reports a damaged map as QedCorruptionError', () => {
    const good = new MemoryFile();
    ChunkMap.create(good, identity, 4096);
    const bytes = good.snapshot();
    const damages: Array<(copy: Uint8Array) => Uint8Array> = [
      (copy) => copy.subarray(0, 20),
      (copy) => (copy.fill(0, 0, 8), copy),
      (copy) => ((copy[8] = 2), copy),
      (copy) => ((copy[12] = 0x11), copy),
      (copy) => ((copy[33] = 0xff), copy),
      (copy) => ((copy[28] = 7), copy),
    ];
    for (const damage of damages) {
      expect(() => ChunkMap.open(new MemoryFile(damage(bytes.slice())))).toThrow(expect.objectContaining({ name: 'QedCorruptionError' }));
    }
  });

  it('handles an empty remote file', () => {
    const file = new MemoryFile();
    ChunkMap.create(file, { ...identity, size: 0 }, 4096);
    const map = ChunkMap.open(file);
    expect(map.chunkCount).toBe(0);
    expect(map.missing()).toEqual([]);
    expect(map.presentBytes).toBe(0);
  });
});
