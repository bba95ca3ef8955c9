import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { BackingDataPendingError } from '../../src/backends/remote/backing-pending-error.ts';
import type { FileRange, SyncFile } from '../../src/engine/sync-file.ts';
import { type ImageReader, openImageReader } from '../../src/formats/index.ts';
import { MiB, firstDifference, patternedDisk, qemuImg, qemuIo, qemuRaw, scratch, writeRaw } from './fixtures.ts';

/** Bytes per chunk of the simulated remote cache. */
const CHUNK_BYTES = 16 * 1024;

/**
 * An in-memory file that behaves like an HTTP file with an empty chunk cache: a read touching a
 * chunk not fetched yet throws `BackingDataPendingError`; `fetchPending` then "fetches" it.
 */
class PendingFile implements SyncFile {
  readonly #inner: MemoryFile;
  readonly #cached = new Set<number>();
  #pending: number[] = [];
  constructor(readonly name: string, bytes: Uint8Array) {
    this.#inner = new MemoryFile(bytes);
  }
  read(buffer: Uint8Array, range: FileRange): number {
    const first = Math.floor(range.at / CHUNK_BYTES);
    const last = Math.floor((range.at + Math.max(1, buffer.byteLength) - 1) / CHUNK_BYTES);
    const missing: number[] = [];
    for (let chunk = first; chunk <= last && chunk * CHUNK_BYTES < this.#inner.getSize(); chunk++) if (!this.#cached.has(chunk)) missing.push(chunk);
    if (missing.length > 0) {
      this.#pending = missing;
      throw new BackingDataPendingError(`test:${this.name}`, missing.map((chunk) => ({ first: chunk, count: 1 })), CHUNK_BYTES);
    }
    return this.#inner.read(buffer, range);
  }
  fetchPending(): void {
    for (const chunk of this.#pending) this.#cached.add(chunk);
  }
  write(): number {
    throw new Error('read-only');
  }
  getSize(): number {
    return this.#inner.getSize();
  }
  truncate(): void {
    throw new Error('read-only');
  }
  flush(): void {}
  close(): void {}
}

const work = scratch('formats-restart');
const files = new Map<string, PendingFile>();

/** The pending file for image `name` in the scratch directory (one per name, its cache kept). */
function pendingFile(name: string): PendingFile {
  let file = files.get(name);
  if (!file) {
    file = new PendingFile(name, readFileSync(work.at(name)));
    files.set(name, file);
  }
  return file;
}

/** Runs `action` again after every `BackingDataPendingError`, fetching what it named, as the worker does. */
function withRetries<T>(action: () => T): { value: T; retries: number } {
  for (let retries = 0; retries < 100_000; retries++) {
    try {
      return { value: action(), retries };
    } catch (error) {
      if (!(error instanceof BackingDataPendingError)) throw error;
      const name = error.url.slice('test:'.length);
      pendingFile(name).fetchPending();
    }
  }
  throw new Error('no progress');
}

beforeAll(() => {
  writeRaw(work.at('disk.raw'), patternedDisk(2 * MiB + 512, 88));
  qemuImg('convert', '-f', 'raw', '-O', 'qcow2', '-c', '-o', 'cluster_size=16384', work.at('disk.raw'), work.at('base.qcow2'));
  qemuImg('create', '-q', '-f', 'qcow2', '-b', 'base.qcow2', '-F', 'qcow2', '-o', 'extended_l2=on,compression_type=zstd', work.at('top.qcow2'));
  qemuIo(work.at('top.qcow2'), 'qcow2', ['write -P 0x31 70k 3k', 'write -z 1M 8k']);
  for (const [format, options] of [
    ['vmdk', 'subformat=streamOptimized'],
    ['vpc', 'subformat=dynamic'],
    ['vhdx', 'block_size=1M'],
    ['vdi', 'static=off'],
  ] as const) {
    qemuImg('convert', '-f', 'raw', '-O', format, '-o', options, work.at('disk.raw'), work.at(`disk.${format}`));
  }
});
afterAll(() => work.dispose());

describe('readers over a file whose bytes arrive later (BackingDataPendingError)', () => {
  it.each([['top.qcow2', 'qcow2'], ['disk.vmdk', 'vmdk'], ['disk.vpc', 'vpc'], ['disk.vhdx', 'vhdx'], ['disk.vdi', 'vdi']] as const)(
    'let the error through untouched and read %s correctly when every request is re-run',
    (name, format) => {
      const opened = withRetries(() => openImageReader(pendingFile(name), 'probe', ({ name: backing }) => pendingFile(basename(backing))));
      const reader: ImageReader = opened.value;
      expect(opened.retries).toBeGreaterThan(0);
      const actual = new Uint8Array(reader.size);
      let retries = 0;
      for (let offset = 0; offset < reader.size; offset += 40_000) {
        const piece = actual.subarray(offset, Math.min(reader.size, offset + 40_000));
        retries += withRetries(() => reader.readInto(offset, piece)).retries;
      }
      expect(retries).toBeGreaterThan(0);
      expect(firstDifference(actual, qemuRaw(work.at(name), format, work))).toBe('identical');
      reader.close();
    },
  );
});
