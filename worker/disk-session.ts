/**
 * One open disk in the worker: the QED image over its OPFS file, the backing chain under it, the
 * Web Lock, the request queue that keeps the page's order, and the need-check lifecycle (marked
 * clean after `IDLE_MARK_CLEAN_MS` without writes, and on close).
 */
import type { OfflineProgress } from '../src/backends/remote/index.ts';
import { toDiskInfo } from '../src/protocol/disk-info.ts';
import type { DiskInfo, RemoteBaseStatus } from '../src/protocol/types.ts';
import type { QedImage } from '../src/engine/qed-image.ts';
import type { SyncFile } from '../src/engine/sync-file.ts';
import { QedArgumentError, QedClosedError } from '../src/qed/errors.ts';
import type { BackingChain } from './backing-chain.ts';
import type { DiskLock } from './disk-lock.ts';
import type { OpenDevice } from './open-device.ts';
import { remoteBaseStatus } from './remote-bases.ts';
import { SerialQueue } from './serial-queue.ts';
import { IDLE_MARK_CLEAN_MS } from './timing.ts';

/** The open disk file: the image and what it stands on. */
export interface OpenTop {
  /** The open image (owns `file`). */
  image: QedImage;
  /** The file under the image (the OPFS file, as the worker's `wrapFile` hook returned it). */
  file: SyncFile;
  /** The OPFS entry, for `getFile()` on export; null for a disk in memory (no export, reset or snapshot). */
  fileHandle: FileSystemFileHandle | null;
}

/** What a session is made of; the session owns all of it. */
export interface SessionParts extends OpenTop {
  /** The disk's name. */
  name: string;
  /** The disk's Web Lock. */
  lock: DiskLock;
  /** The backing files under the image (empty for a disk without a base). */
  chain: BackingChain;
  /** Opens the disk's file again over `chain` (after its file was replaced). */
  reopen: () => Promise<OpenTop>;
}

/** An open disk. Every operation goes through the queue, so they execute in arrival order. */
export class DiskSession implements OpenDevice {
  readonly name: string;
  readonly #parts: SessionParts;
  readonly #queue = new SerialQueue();
  #idleTimer: ReturnType<typeof setTimeout> | null = null;
  /** When the last write finished (`performance.now()`, milliseconds). */
  #lastWriteAt = 0;
  /** The group commit queued for the writes that wait on it, or null. */
  #commit: Promise<void> | null = null;
  #closed = false;

  /** Takes ownership of `parts`. */
  constructor(parts: SessionParts) {
    this.name = parts.name;
    this.#parts = parts;
  }

  /** Virtual size in bytes. */
  get size(): number {
    return this.#parts.image.size;
  }

  /** True when opened read-only. */
  get readOnly(): boolean {
    return this.#parts.image.readOnly;
  }

  /** The backing name in the header of the disk's file, or null. */
  get backingName(): string | null {
    return this.#parts.image.backingName;
  }

  /** Queues `task` behind every earlier request of this disk. Rejects with `QedClosedError` once closed. */
  run<T>(task: (image: QedImage, chain: BackingChain) => T | Promise<T>): Promise<T> {
    return this.#queue.run(() => {
      if (this.#closed) throw new QedClosedError(`disk "${this.name}" is closed`);
      return task(this.#parts.image, this.#parts.chain);
    });
  }

  /**
   * Queues synchronous engine `task` (run at once when the queue is idle); HTTP base data it
   * lacks is fetched and the task retried.
   */
  runEngine<T>(task: (image: QedImage) => T): Promise<T> {
    return this.#queue.runNow(() => {
      if (this.#closed) throw new QedClosedError(`disk "${this.name}" is closed`);
      const { image, chain } = this.#parts;
      return chain.remoteBase() === null ? task(image) : chain.run(() => task(image));
    });
  }

  /** Like `runEngine`, for a task that writes: when it is done, restarts the idle timer that marks the image clean. */
  runWrite<T>(task: (image: QedImage) => T): Promise<T> {
    return this.runEngine((image) => {
      try {
        return task(image);
      } finally {
        this.#armIdleTimer();
      }
    });
  }

  // The block requests of `OpenDevice`. Each answer takes the same number of promise steps (one
  // `then` through `#afterCommit`), so requests that complete together are answered in order.
  read(offset: number, length: number): Promise<Uint8Array<ArrayBuffer>> {
    return this.runEngine((image) => image.read(offset, length)).then((data) => this.#afterCommit(data, false));
  }

  /**
   * Writes; resolves once the write is in the file as a reopen reads it. Allocating writes over a
   * backing image share group commits (`OpenOptions.groupCommitLimit`): the writes that arrive
   * together (one lane batch) are all run, then one commit (a flush, then their table updates)
   * serves them, and only then are they answered. So a write heard complete survives a killed
   * worker, as without group commit.
   */
  write(offset: number, data: Uint8Array): Promise<void> {
    return this.runWrite((image) => image.write(offset, data)).then(() => this.#afterCommit(undefined, true));
  }

  writeZeroes(offset: number, length: number): Promise<void> {
    return this.runWrite((image) => image.writeZeroes(offset, length)).then(() => this.#afterCommit(undefined, true));
  }

  flush(): Promise<void> {
    return this.runEngine((image) => image.flush()).then(() => this.#afterCommit(undefined, true));
  }

  /**
   * `value` at once when no table update waits; otherwise `value` after the group commit, which is
   * queued (once) behind the requests that arrived with this one: a microtask later, when the lane
   * has handed over the rest of its batch. Requests answered after a waiting write wait for the
   * same commit, so answers keep their order; when the commit fails, the writes among them fail
   * with its error (`failWithCommit`) and reads still get their data.
   */
  #afterCommit<T>(value: T, failWithCommit: boolean): T | Promise<T> {
    if (this.#commit === null && (this.#closed || this.#parts.image.pendingAllocations === 0)) return value;
    this.#commit ??= Promise.resolve().then(() =>
      this.runEngine((image) => {
        this.#commit = null;
        image.commitPending();
      }),
    );
    return this.#commit.then(
      () => value,
      (error: unknown) => {
        if (failWithCommit) throw error;
        return value;
      },
    );
  }

  /** Sizes, geometry, counters, the backing chain and the HTTP base's cache. */
  info(): Promise<DiskInfo> {
    return this.run((image, chain) => toDiskInfo(this.name, image.info(), { chain: chain.levels(), remoteBase: chain.remoteStatus() }));
  }

  /**
   * Flushes, marks clean and returns the `.qed` file. Read the `File` before writing to the disk
   * again: Chromium's `File` reads the live OPFS file, so later writes may show through.
   */
  exportFile(): Promise<File> {
    return this.run(async (image) => {
      const fileHandle = this.#inOpfs();
      image.flush();
      image.markClean();
      return fileHandle.getFile();
    });
  }

  /** The HTTP base's cache status now, beside the queue (for progress displays while requests wait on the network); null without one. */
  baseStatus(): RemoteBaseStatus | null {
    if (this.#closed) throw new QedClosedError(`disk "${this.name}" is closed`);
    return this.#parts.chain.remoteStatus();
  }

  /**
   * Downloads the rest of the HTTP base into its cache, beside the queue (guest requests keep
   * running; chunks both want are fetched once). Resolves with null without an HTTP base.
   */
  async makeAvailableOffline(onProgress: (progress: OfflineProgress) => void): Promise<RemoteBaseStatus | null> {
    if (this.#closed) throw new QedClosedError(`disk "${this.name}" is closed`);
    const remote = this.#parts.chain.remoteBase();
    if (!remote) return null;
    await remote.fetcher.makeAvailableOffline(onProgress);
    return remoteBaseStatus(remote);
  }

  /**
   * Closes the image, runs `change` (which replaces the disk's file in OPFS) and opens the disk
   * again over the same chain, all in the queue. When reopening fails the session ends (lock
   * released) and the failure is returned; when `change` failed too, its error is returned, with
   * the reopen's failure added to its message (and as `reopenError`).
   */
  replaceFile<T>(change: () => Promise<T>): Promise<T> {
    return this.run(async () => {
      this.#inOpfs();
      this.#disarmIdleTimer();
      this.#parts.image.close();
      let outcome: { ok: true; value: T } | { ok: false; error: unknown };
      try {
        outcome = { ok: true, value: await change() };
      } catch (error) {
        outcome = { ok: false, error };
      }
      try {
        Object.assign(this.#parts, await this.#parts.reopen());
      } catch (reopenError) {
        this.#end();
        throw outcome.ok ? reopenError : withReopenFailure(outcome.error, reopenError);
      }
      if (!outcome.ok) throw outcome.error;
      return outcome.value;
    });
  }

  /** Flushes, marks clean, closes the image, file and chain, and releases the lock (even when closing fails). */
  close(): Promise<void> {
    return this.#queue.run(() => {
      if (this.#closed) return;
      try {
        this.#parts.image.close();
      } finally {
        this.#end();
      }
    });
  }

  /** Marks the session closed and lets go of the chain and the lock (the image is closed already). */
  #end(): void {
    this.#closed = true;
    this.#disarmIdleTimer();
    try {
      this.#parts.chain.close();
    } finally {
      this.#parts.lock.release();
    }
  }

  /** The disk's OPFS entry; `QedArgumentError` for the in-memory disk, which has none. */
  #inOpfs(): FileSystemFileHandle {
    if (this.#parts.fileHandle === null) throw new QedArgumentError(`disk "${this.name}" lives in memory only: it has no file to export, reset or snapshot`);
    return this.#parts.fileHandle;
  }

  /**
   * Notes a write and makes sure the idle timer runs. The timer is not restarted on every write
   * (that costs more than a fast write itself): when it fires early, it waits out the rest.
   */
  #armIdleTimer(): void {
    this.#lastWriteAt = performance.now();
    if (this.#idleTimer === null) this.#startIdleTimer(IDLE_MARK_CLEAN_MS);
  }

  #startIdleTimer(delayMs: number): void {
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = null;
      const idleFor = performance.now() - this.#lastWriteAt;
      if (idleFor < IDLE_MARK_CLEAN_MS) this.#startIdleTimer(IDLE_MARK_CLEAN_MS - idleFor);
      else this.run((image) => image.markClean()).catch(() => undefined); // retried on the next write or close
    }, delayMs);
  }

  #disarmIdleTimer(): void {
    if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
  }
}

/**
 * `error` (the failure of a change to the disk's files) with the later failure to reopen the disk
 * added: in its message, which survives the trip to the page, and as its `reopenError` property.
 */
function withReopenFailure(error: unknown, reopenError: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const detail = reopenError instanceof Error ? `${reopenError.name}: ${reopenError.message}` : String(reopenError);
  error.message = `${error.message} (and reopening the disk afterwards failed: ${detail}; the disk is closed)`;
  Reflect.set(error, 'reopenError', reopenError);
  return error;
}
