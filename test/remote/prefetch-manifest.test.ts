/**
 * The boot prefetch manifest: its JSON format (written, read back, refused when malformed or
 * outside the base), chunk-size conversion, and recording through a `TracingRemoteFile`.
 */
import { describe, expect, it } from 'vitest';
import {
  MANIFEST_FORMAT,
  manifestChunkRanges,
  manifestFromRuns,
  manifestUrlOf,
  parseManifest,
  serializeManifest,
} from '../../src/backends/remote/prefetch-manifest.ts';
import { ChunkTrace, TracingRemoteFile } from '../../src/backends/remote/read-trace.ts';
import { fillAll, memoryCache, randomBytes } from './helpers.ts';

const KIB = 1024;
const SIZE = 64 * KIB * 10 + 100;

describe('serializeManifest and parseManifest', () => {
  it('round-trips runs in their recorded order with size, chunk size and etag', () => {
    const manifest = manifestFromRuns([{ first: 5, count: 2 }, { first: 0, count: 1 }, { first: 9, count: 2 }], SIZE, 64 * KIB, '"abc"');
    const text = serializeManifest(manifest);
    expect(JSON.parse(text)).toEqual({ format: MANIFEST_FORMAT, version: 1, size: SIZE, chunkSize: 64 * KIB, etag: '"abc"', runs: [[5, 2], [0, 1], [9, 2]] });
    expect(parseManifest(text)).toEqual(manifest);
  });

  it.each([
    ['not JSON', '{'],
    ['another format', JSON.stringify({ format: 'x', version: 1, size: 10, chunkSize: 4096, runs: [] })],
    ['another version', JSON.stringify({ format: MANIFEST_FORMAT, version: 2, size: 10, chunkSize: 4096, runs: [] })],
    ['a chunk size that is not a power of two', JSON.stringify({ format: MANIFEST_FORMAT, version: 1, size: 10, chunkSize: 5000, runs: [] })],
    ['a run past the end', JSON.stringify({ format: MANIFEST_FORMAT, version: 1, size: 8192, chunkSize: 4096, runs: [[1, 2]] })],
    ['overlapping runs', JSON.stringify({ format: MANIFEST_FORMAT, version: 1, size: 65536, chunkSize: 4096, runs: [[1, 4], [3, 1]] })],
    ['an empty run', JSON.stringify({ format: MANIFEST_FORMAT, version: 1, size: 65536, chunkSize: 4096, runs: [[1, 0]] })],
    ['a run that is not a pair', JSON.stringify({ format: MANIFEST_FORMAT, version: 1, size: 65536, chunkSize: 4096, runs: [[1, 1, 1]] })],
    ['a negative size', JSON.stringify({ format: MANIFEST_FORMAT, version: 1, size: -1, chunkSize: 4096, runs: [] })],
  ])('refuses %s with PrefetchManifestError', (_what, text) => {
    expect(() => parseManifest(text)).toThrow(expect.objectContaining({ name: 'PrefetchManifestError' }));
  });

  it('refuses text over the cap before parsing it', () => {
    expect(() => parseManifest(' '.repeat(5 * 1024 * 1024))).toThrow(/longer than/);
  });
});

describe('manifestChunkRanges', () => {
  const manifest = manifestFromRuns([{ first: 3, count: 1 }, { first: 0, count: 2 }], 4 * 64 * KIB, 64 * KIB);

  it('gives the same runs for the same chunk size, and nothing for a base of another size', () => {
    expect(manifestChunkRanges(manifest, 4 * 64 * KIB, 64 * KIB)).toEqual([{ first: 3, count: 1 }, { first: 0, count: 2 }]);
    expect(manifestChunkRanges(manifest, 5 * 64 * KIB, 64 * KIB)).toEqual([]);
  });

  it('converts to smaller and larger chunks through byte offsets, in order, without repeats', () => {
    expect(manifestChunkRanges(manifest, 4 * 64 * KIB, 16 * KIB)).toEqual([{ first: 12, count: 4 }, { first: 0, count: 8 }]);
    expect(manifestChunkRanges(manifest, 4 * 64 * KIB, 128 * KIB)).toEqual([{ first: 1, count: 1 }, { first: 0, count: 1 }]);
  });
});

describe('manifestUrlOf', () => {
  it('appends the suffix to the path and keeps the query', () => {
    expect(manifestUrlOf('http://h/demo/base.ext2')).toBe('http://h/demo/base.ext2.manifest.json');
    expect(manifestUrlOf('http://h/base.ext2?v=2#x')).toBe('http://h/base.ext2.manifest.json?v=2');
  });
});

describe('recording with TracingRemoteFile', () => {
  it('records first reads in order as runs, tells observers about every read, and passes reads through', () => {
    const bytes = randomBytes(16 * 4096 + 10, 7);
    const { remote } = memoryCache(bytes, 4096);
    fillAll(remote, bytes);
    const trace = new ChunkTrace();
    const file = new TracingRemoteFile(remote, trace);
    const seen: Array<[number, number]> = [];
    file.observe((first, end) => seen.push([first, end]));
    const out = new Uint8Array(4096 + 1);
    file.read(out, { at: 5 * 4096 - 1 }); // chunks 4-5
    expect(out).toEqual(bytes.subarray(5 * 4096 - 1, 6 * 4096));
    file.read(new Uint8Array(10), { at: 0 }); // chunk 0
    file.read(new Uint8Array(3 * 4096), { at: 4 * 4096 }); // chunks 4-6: only 6 is new
    file.read(new Uint8Array(100), { at: 16 * 4096 }); // the short last chunk
    file.read(new Uint8Array(100), { at: bytes.byteLength }); // past the end: nothing
    expect(trace.runs()).toEqual([{ first: 4, count: 2 }, { first: 0, count: 1 }, { first: 6, count: 1 }, { first: 16, count: 1 }]);
    expect(seen).toEqual([[4, 6], [0, 1], [4, 7], [16, 17]]);
    const manifest = manifestFromRuns(trace.runs(), bytes.byteLength, 4096);
    expect(parseManifest(serializeManifest(manifest)).runs).toEqual(trace.runs());
  });

  it('records a read of uncached bytes before it throws BackingDataPendingError', () => {
    const bytes = randomBytes(8 * 4096, 8);
    const { remote } = memoryCache(bytes, 4096);
    const trace = new ChunkTrace();
    expect(() => new TracingRemoteFile(remote, trace).read(new Uint8Array(10), { at: 3 * 4096 })).toThrow(expect.objectContaining({ name: 'BackingDataPendingError' }));
    expect(trace.runs()).toEqual([{ first: 3, count: 1 }]);
  });

  it('stops recording at its cap and says so', () => {
    const trace = new ChunkTrace(3);
    expect(trace.touch(0, 2)).toBe(2);
    expect(trace.touch(5, 9)).toBe(1);
    expect(trace.truncated).toBe(true);
    expect(trace.runs()).toEqual([{ first: 0, count: 2 }, { first: 5, count: 1 }]);
  });
});
