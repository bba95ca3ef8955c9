/**
 * One open disk in the worker: the QED image over its OPFS file, the Web Lock, the request queue
 * that keeps the page's order, and the need-check lifecycle (marked clean after
 * `IDLE_MARK_CLEAN_MS` without writes, and on close).
 */
import type { OpfsFile } from '../src/backends/opfs-file.ts';
import type { QedImage } from '../src/engine/qed-image.ts';
import { QedClosedError } from '../src/qed/errors.ts';
import type { DiskLock } from './disk-lock.ts';
import { SerialQueue } from './serial-queue.ts';
import { IDLE_MARK_CLEAN_MS } from './timing.ts';

/** What a session is made of; the session owns all of it. */
export interface SessionParts {
  /** The disk's name. */
  name: string;
  /** The open image (owns `file`). */
  image: QedImage;
  /** The OPFS file under the image (kept for fault injection). */
  file: OpfsFile;
  /** The OPFS entry, for `getFile()` on export. */
  fileHandle: FileSystemFileHandle;
  /** The disk's Web Lock. */
  lock: DiskLock;
}

/** An open disk. Every operation goes through `run`, so they execute in arrival order. */
export class DiskSession {
  readonly name: string;
  readonly #parts: SessionParts;
  readonly #queue = new SerialQueue();
  #idleTimer: ReturnType<typeof setTimeout> | null = null;
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

  /** Queues `task` behind every earlier request of this disk. Rejects with `QedClosedError` once closed. */
  run<T>(task: (image: QedImage) => T | Promise<T>): Promise<T> {
    return this.#queue.run(() => {
      if (this.#closed) throw new QedClosedError(`disk "${this.name}" is closed`);
      return task(this.#parts.image);
    });
  }

  /** Like `run`, for a task that writes: when it is done, restarts the idle timer that marks the image clean. */
  runWrite<T>(task: (image: QedImage) => T): Promise<T> {
    return this.run((image) => {
      try {
        return task(image);
      } finally {
        this.#armIdleTimer();
      }
    });
  }

  /**
   * Flushes, marks clean and returns the `.qed` file. Read the `File` before writing to the disk
   * again: Chromium's `File` reads the live OPFS file, so later writes may show through.
   */
  exportFile(): Promise<File> {
    return this.run(async (image) => {
      image.flush();
      image.markClean();
      return this.#parts.fileHandle.getFile();
    });
  }

  /** Sets (bytes) or lifts (null) the injected quota limit of the file. */
  setQuotaLimit(bytes: number | null): Promise<void> {
    return this.run(() => this.#parts.file.setQuotaLimit(bytes));
  }

  /** Flushes, marks clean, closes the image and file, and releases the lock (even when closing fails). */
  close(): Promise<void> {
    return this.#queue.run(() => {
      if (this.#closed) return;
      this.#closed = true;
      this.#disarmIdleTimer();
      try {
        this.#parts.image.close();
      } finally {
        this.#parts.lock.release();
      }
    });
  }

  #armIdleTimer(): void {
    this.#disarmIdleTimer();
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = null;
      this.run((image) => image.markClean()).catch(() => undefined); // retried on the next write or close
    }, IDLE_MARK_CLEAN_MS);
  }

  #disarmIdleTimer(): void {
    if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
  }
}
