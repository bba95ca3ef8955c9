/**
 * `RawBaseline`: the bench-only physical baseline (`device: 'raw'`). A raw OPFS file of exactly
 * the disk's size behind the same worker API as a QED disk, with nothing in between: each request
 * is one call on the sync access handle. It is always created afresh (as a sparse file) and its
 * file is deleted on close. Offsets and lengths in bytes.
 */
import type { OpfsFile } from '../../../src/backends/opfs-file.ts';
import type { DiskInfo } from '../../../src/protocol/types.ts';
import type { IoStats } from '../../../src/engine/types.ts';
import { readFully, writeFully } from '../../../src/engine/sync-file.ts';
import { QedArgumentError, QedClosedError, QedRangeError } from '../../../src/qed/errors.ts';
import type { DiskLock } from '../../../worker/disk-lock.ts';
import type { OpenDevice } from '../../../worker/open-device.ts';
import { openWithRetry, removeFile } from '../../../worker/opfs-folder.ts';

/** Suffix of a raw baseline's scratch file in the qedisk folder (never listed as a disk). */
export const RAW_BASELINE_SUFFIX = '.baseline-raw';

/** Zeros for `writeZeroes`, in steps of this many bytes. */
const ZERO_STEP_BYTES = 1024 * 1024;

/** A raw OPFS file serving block requests directly (a measurement baseline, not a disk format). */
export class RawBaseline implements OpenDevice {
  readonly name: string;
  readonly size: number;
  readonly backingName = null;
  readonly #file: OpfsFile;
  readonly #folder: FileSystemDirectoryHandle;
  readonly #lock: DiskLock;
  readonly #io: IoStats = { reads: 0, bytesRead: 0, writes: 0, bytesWritten: 0, clustersAllocated: 0, tablesAllocated: 0, flushes: 0, groupCommits: 0, l2Cache: { hits: 0, misses: 0, evictions: 0, bytes: 0 } };
  #closed = false;

  private constructor(name: string, size: number, file: OpfsFile, folder: FileSystemDirectoryHandle, lock: DiskLock) {
    this.name = name;
    this.size = size;
    this.#file = file;
    this.#folder = folder;
    this.#lock = lock;
  }

  /**
   * Creates the baseline of disk `name` in `folder`: an empty `NAME.baseline-raw` file (replacing
   * a leftover one) truncated to `size` bytes. Takes over `lock` once it succeeds.
   */
  static async create(folder: FileSystemDirectoryHandle, name: string, size: number | undefined, lock: DiskLock): Promise<RawBaseline> {
    if (size === undefined || !Number.isSafeInteger(size) || size <= 0) throw new QedArgumentError('a raw baseline needs create.size, a positive number of bytes');
    const fileName = name + RAW_BASELINE_SUFFIX;
    await removeFile(folder, fileName);
    const file = await openWithRetry(await folder.getFileHandle(fileName, { create: true }), name);
    try {
      file.truncate(size);
    } catch (error) {
      file.close();
      await removeFile(folder, fileName).catch(() => false);
      throw error;
    }
    return new RawBaseline(name, size, file, folder, lock);
  }

  async read(offset: number, length: number): Promise<Uint8Array<ArrayBuffer>> {
    this.#checkRange(offset, length);
    const bytes = new Uint8Array(length);
    readFully(this.#file, bytes, offset);
    this.#io.reads++;
    this.#io.bytesRead += length;
    return bytes;
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    this.#checkRange(offset, data.byteLength);
    writeFully(this.#file, data, offset);
    this.#io.writes++;
    this.#io.bytesWritten += data.byteLength;
  }

  async writeZeroes(offset: number, length: number): Promise<void> {
    this.#checkRange(offset, length);
    const zeros = new Uint8Array(Math.min(length, ZERO_STEP_BYTES));
    for (let done = 0; done < length; done += zeros.byteLength) {
      writeFully(this.#file, zeros.subarray(0, Math.min(zeros.byteLength, length - done)), offset + done);
    }
    this.#io.writes++;
    this.#io.bytesWritten += length;
  }

  async flush(): Promise<void> {
    this.#assertOpen();
    this.#file.flush();
    this.#io.flushes++;
  }

  async info(): Promise<DiskInfo> {
    this.#assertOpen();
    const physicalSize = this.#file.getSize();
    const io = { ...this.#io, l2Cache: { ...this.#io.l2Cache } };
    return { name: this.name, virtualSize: this.size, physicalSize, clusterSize: 0, allocatedBytes: physicalSize, needsCheck: false, backingFile: null, io, backingFormat: null };
  }

  /** Closes and deletes the file, then releases the lock. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#file.close();
      await removeFile(this.#folder, this.name + RAW_BASELINE_SUFFIX);
    } finally {
      this.#lock.release();
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new QedClosedError(`raw baseline "${this.name}" is closed`);
  }

  /** Throws `QedRangeError` unless `[offset, offset + length)` lies inside the disk. */
  #checkRange(offset: number, length: number): void {
    this.#assertOpen();
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new QedRangeError(`request [${offset}, ${offset + length}) lies outside the ${this.size}-byte raw baseline`);
    }
  }
}
