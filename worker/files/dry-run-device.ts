/**
 * `DryRunDevice`: a `BlockDevice` that reads through to a disk and keeps the writes made to it to
 * itself, noting where each went. A write operation run on it first tells the worker which bytes
 * of the disk the real run will write (see `reserve.ts`), and reads everything the real run will
 * read, so an HTTP base has fetched it by then.
 *
 * Small writes are kept and shown to later reads of the same run (a file system may read back
 * metadata it wrote in an earlier step of one operation); file data is never read back, so large
 * writes keep their place only.
 */
import type { BlockDevice } from '../../src/fs/block-device.ts';

/** Writes up to this many bytes keep their data for later reads of the run. */
const KEEP_WRITE_MAX_BYTES = 256 * 1024;
/** Most bytes of written data kept in all; later writes keep their place only. */
const KEEP_TOTAL_MAX_BYTES = 64 * 1024 * 1024;

/** One write of the run. */
export interface RecordedWrite {
  /** Device offset in bytes. */
  offset: number;
  /** Length in bytes. */
  length: number;
  /** True when it carried file data (the write came right after the file's data source was read). */
  fileData: boolean;
}

/** The synchronous device a dry run reads from (a `QedImage` fits). */
export interface ReadableDevice {
  /** Size in bytes. */
  readonly size: number;
  /** True when the device refuses writes. */
  readonly readOnly?: boolean;
  /** Fills `target` with the bytes at `offset`. */
  readInto(offset: number, target: Uint8Array): void;
}

/** A device for a dry run over `inner`; see the module comment. */
export class DryRunDevice implements BlockDevice {
  readonly size: number;
  readonly readOnly: boolean;
  readonly #inner: ReadableDevice;
  readonly #writes: RecordedWrite[] = [];
  readonly #kept: Array<{ offset: number; data: Uint8Array }> = [];
  #keptBytes = 0;
  #nextIsData = false;

  /** Reads through to `inner`, which it never writes. */
  constructor(inner: ReadableDevice) {
    this.#inner = inner;
    this.size = inner.size;
    this.readOnly = inner.readOnly === true;
  }

  /** The writes made so far, in order. */
  get writes(): readonly RecordedWrite[] {
    return this.#writes;
  }

  /** Marks the next write as file data (called by the dry run's data source when the file system reads it). */
  noteFileDataRead(): void {
    this.#nextIsData = true;
  }

  /** Reads `inner`, with the kept writes of this run laid over it. */
  readInto(offset: number, target: Uint8Array): void {
    this.#inner.readInto(offset, target);
    const end = offset + target.byteLength;
    for (const write of this.#kept) {
      const writeEnd = write.offset + write.data.byteLength;
      if (writeEnd <= offset || write.offset >= end) continue;
      const from = Math.max(offset, write.offset);
      const to = Math.min(end, writeEnd);
      target.set(write.data.subarray(from - write.offset, to - write.offset), from - offset);
    }
  }

  /** Notes the write (and keeps its bytes when it is small). */
  write(offset: number, data: Uint8Array): void {
    this.#writes.push({ offset, length: data.byteLength, fileData: this.#nextIsData });
    this.#nextIsData = false;
    if (data.byteLength <= KEEP_WRITE_MAX_BYTES && this.#keptBytes + data.byteLength <= KEEP_TOTAL_MAX_BYTES) {
      this.#kept.push({ offset, data: data.slice() });
      this.#keptBytes += data.byteLength;
    }
  }

  /** Nothing to make durable. */
  flush(): void {}
}
