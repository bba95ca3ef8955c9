/**
 * Watching what the guest reads of a remote base: `ChunkTrace` keeps the chunks in the order they
 * were first read (what a boot prefetch manifest records), and `TracingRemoteFile` is the
 * read-only `SyncFile` over a `CachedRemoteFile` that feeds it and tells an observer (the boot
 * prefetcher) about every read, before the read itself runs (so a read of uncached bytes, which
 * throws `BackingDataPendingError` and is retried, is seen at once).
 */
import { QedReadOnlyError } from '../../qed/errors.ts';
import type { FileRange, SyncFile } from '../../engine/sync-file.ts';
import type { ChunkRange } from './backing-pending-error.ts';
import type { CachedRemoteFile } from './cached-remote-file.ts';

/** Distinct chunks a trace records at most (4 GiB of 64 KiB chunks); later first reads are not recorded. */
export const MAX_TRACED_CHUNKS = 65536;

/** Chunks in the order they were first read, as runs of consecutive chunks. */
export class ChunkTrace {
  readonly #seen = new Set<number>();
  readonly #runs: Array<{ first: number; count: number }> = [];
  readonly #maxChunks: number;
  #truncated = false;

  /** A trace keeping at most `maxChunks` distinct chunks. */
  constructor(maxChunks: number = MAX_TRACED_CHUNKS) {
    this.#maxChunks = Math.max(0, Math.floor(maxChunks));
  }

  /** Notes a read of chunks `[first, end)`; returns how many of them were read for the first time. */
  touch(first: number, end: number): number {
    let added = 0;
    for (let chunk = first; chunk < end; chunk++) {
      if (this.#seen.has(chunk)) continue;
      if (this.#seen.size >= this.#maxChunks) {
        this.#truncated = true;
        return added;
      }
      this.#seen.add(chunk);
      added++;
      const last = this.#runs[this.#runs.length - 1];
      if (last && last.first + last.count === chunk) last.count++;
      else this.#runs.push({ first: chunk, count: 1 });
    }
    return added;
  }

  /** True when chunk `index` was read. */
  has(index: number): boolean {
    return this.#seen.has(index);
  }

  /** Distinct chunks recorded. */
  get chunkCount(): number {
    return this.#seen.size;
  }

  /** True when first reads were dropped because the trace was full. */
  get truncated(): boolean {
    return this.#truncated;
  }

  /** The recorded chunks in first-read order, as runs (new objects). */
  runs(): ChunkRange[] {
    return this.#runs.map(({ first, count }) => ({ first, count }));
  }
}

/** Told about every read of a `TracingRemoteFile`: chunks `[first, end)`. */
export type ReadObserver = (first: number, end: number) => void;

/**
 * A read-only `SyncFile` forwarding to a `CachedRemoteFile`, recording each read in a trace and
 * telling the observers. `close` only ends this view: the remote file stays its owner's.
 */
export class TracingRemoteFile implements SyncFile {
  readonly #remote: CachedRemoteFile;
  readonly #trace: ChunkTrace;
  readonly #observers = new Set<ReadObserver>();

  /** A view of `remote` that records into `trace`. */
  constructor(remote: CachedRemoteFile, trace: ChunkTrace) {
    this.#remote = remote;
    this.#trace = trace;
  }

  /** The trace reads are recorded in. */
  get trace(): ChunkTrace {
    return this.#trace;
  }

  /** Adds `observer`; returns a function removing it. */
  observe(observer: ReadObserver): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  read(buffer: Uint8Array, range: FileRange): number {
    const size = this.#remote.getSize();
    const end = Math.min(size, range.at + buffer.byteLength);
    if (range.at < end) {
      const cs = this.#remote.chunkSize;
      const first = Math.floor(range.at / cs);
      const last = Math.ceil(end / cs);
      this.#trace.touch(first, last);
      for (const observer of this.#observers) observer(first, last);
    }
    return this.#remote.read(buffer, range);
  }

  /** Always throws `QedReadOnlyError`: the remote file is read-only. */
  write(_buffer: Uint8Array, _range: FileRange): number {
    throw new QedReadOnlyError(`the remote file ${this.#remote.url} is read-only`);
  }

  getSize(): number {
    return this.#remote.getSize();
  }

  /** Always throws `QedReadOnlyError`: the remote file is read-only. */
  truncate(_size: number): void {
    throw new QedReadOnlyError(`the remote file ${this.#remote.url} is read-only`);
  }

  flush(): void {
    this.#remote.flush();
  }

  /** Stops telling observers; the remote file stays open (its owner closes it). */
  close(): void {
    this.#observers.clear();
  }
}
