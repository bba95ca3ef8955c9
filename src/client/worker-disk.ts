/**
 * `WorkerDisk`: the page-side `OpfsDisk`, a thin proxy that forwards each call to the disk worker:
 * reads, writes and flushes on the block lane, everything else with Comlink.
 */
import * as Comlink from 'comlink';
import type { CheckReport, Extent } from '../engine/types.ts';
import { QedArgumentError, QedClosedError } from '../qed/errors.ts';
import type { BaseDownloadProgress, DiskInfo, ExportFileOptions, OpfsDisk, Progress, RemoteBaseStatus, WriteOptions } from '../protocol/types.ts';
import type { DiskWorkerApi, OpenedDisk } from '../protocol/worker-api.ts';
import { planExport } from './export-format.ts';
import { blockLane, callWorker } from './worker-connection.ts';

/** An open disk served by the worker. Calls are sent in order, and the worker keeps that order. */
export class WorkerDisk implements OpfsDisk {
  readonly name: string;
  readonly size: number;
  readonly #id: number;
  #closed = false;

  /** Wraps a disk the worker has opened. */
  constructor(opened: OpenedDisk) {
    this.name = opened.name;
    this.size = opened.size;
    this.#id = opened.id;
  }

  read(offset: number, length: number): Promise<Uint8Array<ArrayBuffer>> {
    if (this.#closed) return this.#closedError();
    return blockLane().read(this.name, this.#id, offset, length);
  }

  /** Writes `data` at `offset`: copied at once, or moved with `{ transfer: true }` (see `Disk.write`). */
  write(offset: number, data: Uint8Array, options: WriteOptions = {}): Promise<void> {
    if (this.#closed) return this.#closedError();
    if (!(data instanceof Uint8Array)) return Promise.reject(new QedArgumentError('data must be a Uint8Array'));
    let payload: Uint8Array<ArrayBuffer>;
    try {
      payload = options.transfer === true ? moveBytes(data) : data.slice();
    } catch (error) {
      return Promise.reject(error); // e.g. a buffer detached already
    }
    return blockLane().write(this.name, this.#id, offset, payload);
  }

  writeZeroes(offset: number, length: number): Promise<void> {
    if (this.#closed) return this.#closedError();
    return blockLane().writeZeroes(this.name, this.#id, offset, length);
  }

  flush(): Promise<void> {
    if (this.#closed) return this.#closedError();
    return blockLane().flush(this.name, this.#id);
  }

  info(): Promise<DiskInfo> {
    return this.#call((api) => api.info(this.#id));
  }

  check(options: { repair?: boolean } = {}): Promise<CheckReport> {
    return this.#call((api) => api.check(this.#id, { repair: options.repair ?? false }));
  }

  /**
   * The `.qed` file, flushed and marked clean (read it before writing again: later writes may show
   * through); or with `{ format: 'qcow2' }` a flattened qcow2 file (see `OpfsDisk.exportFile`).
   */
  exportFile(options?: ExportFileOptions): Promise<File> {
    let plan;
    try {
      plan = planExport(options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (plan.format === 'qed') return this.#call((api) => api.exportFile(this.#id));
    const { onProgress } = plan;
    const progress = onProgress ? Comlink.proxy((update: Progress) => onProgress({ done: update.done, total: update.total })) : undefined;
    return this.#call((api) => api.exportQcow2(this.#id, plan.options, progress));
  }

  baseStatus(): Promise<RemoteBaseStatus | null> {
    return this.#call((api) => api.baseStatus(this.#id));
  }

  makeAvailableOffline(onProgress?: (progress: BaseDownloadProgress) => void): Promise<RemoteBaseStatus | null> {
    const progress = onProgress ? Comlink.proxy((update: BaseDownloadProgress) => onProgress({ done: update.done, total: update.total, bytesFetched: update.bytesFetched })) : undefined;
    return this.#call((api) => api.makeAvailableOffline(this.#id, progress));
  }

  exportFlattened(onProgress?: (progress: Progress) => void): Promise<File> {
    const progress = onProgress ? Comlink.proxy((update: Progress) => onProgress({ done: update.done, total: update.total })) : undefined;
    return this.#call((api) => api.exportFlattened(this.#id, progress));
  }

  map(): Promise<Extent[]> {
    return this.#call((api) => api.map(this.#id));
  }

  setAttached(attached: boolean): Promise<void> {
    return this.#call((api) => api.files.setAttached(this.#id, attached));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await callWorker(this.name, (api) => api.close(this.#id));
  }

  #call<T>(call: (api: Comlink.Remote<DiskWorkerApi>) => Promise<T>): Promise<T> {
    if (this.#closed) return this.#closedError();
    return callWorker(this.name, call);
  }

  #closedError(): Promise<never> {
    return Promise.reject(new QedClosedError(`disk "${this.name}" is closed`));
  }
}

/**
 * `data`'s bytes in a new view that owns them, `data`'s buffer detached now (as a transfer to the
 * worker would), without copying where the browser can move buffers (`ArrayBuffer.prototype.transfer`).
 * `QedArgumentError` unless `data` spans its whole, non-shared ArrayBuffer.
 */
function moveBytes(data: Uint8Array): Uint8Array<ArrayBuffer> {
  if (!ownsWholeBuffer(data)) throw new QedArgumentError('write with { transfer: true } needs a Uint8Array that spans its whole, non-shared ArrayBuffer');
  const transfer: unknown = Reflect.get(data.buffer, 'transfer');
  if (typeof transfer === 'function') {
    const moved: unknown = transfer.call(data.buffer);
    if (moved instanceof ArrayBuffer) return new Uint8Array(moved);
  }
  return structuredClone(data, { transfer: [data.buffer] });
}

/** True when `data` spans its whole (non-shared) ArrayBuffer, so transferring it detaches nothing else. */
function ownsWholeBuffer(data: Uint8Array): data is Uint8Array<ArrayBuffer> {
  return data.buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
}
