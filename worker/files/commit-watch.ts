/**
 * `CommitWatch`: the device a real (committing) run writes through. It forwards everything to the
 * disk image and counts the writes that are not file data since the last flush (the file system
 * flushes at the end of each committed step: an operation with `parents` commits each new parent
 * folder first), so that when a commit fails the worker can tell "this step had written only file
 * data, into blocks nothing points to: the file system is consistent" from "a metadata update was
 * interrupted" (see `safe-write.ts`).
 */
import type { BlockDevice } from '../../src/fs/block-device.ts';

/** The device under the watch (a `QedImage` fits). */
export interface WritableDevice {
  /** Size in bytes. */
  readonly size: number;
  /** True when the device refuses writes. */
  readonly readOnly?: boolean;
  /** Fills `target` with the bytes at `offset`. */
  readInto(offset: number, target: Uint8Array): void;
  /** Writes `data` at `offset`. */
  write(offset: number, data: Uint8Array): void;
  /** Makes completed writes durable. */
  flush(): void;
}

/** Forwards to `inner`, counting metadata writes; see the module comment. */
export class CommitWatch implements BlockDevice {
  readonly size: number;
  readonly readOnly: boolean;
  readonly #inner: WritableDevice;
  #nextIsData = false;
  /** Where the last file-data write ended (its zero padding follows there), or -1. */
  #dataEnd = -1;
  #metadataWrites = 0;

  /** Watches writes to `inner`. */
  constructor(inner: WritableDevice) {
    this.#inner = inner;
    this.size = inner.size;
    this.readOnly = inner.readOnly === true;
  }

  /** Metadata writes that reached the device (or were attempted) since the last flush. */
  get metadataWritesSinceFlush(): number {
    return this.#metadataWrites;
  }

  /** Marks the next write as file data (the file system just read the file's data source). */
  noteFileDataRead(): void {
    this.#nextIsData = true;
  }

  readInto(offset: number, target: Uint8Array): void {
    this.#inner.readInto(offset, target);
  }

  write(offset: number, data: Uint8Array): void {
    // File data, or the zeros that pad it to the end of its last block.
    const isData = this.#nextIsData || (offset === this.#dataEnd && data.every((byte) => byte === 0));
    this.#nextIsData = false;
    this.#dataEnd = isData ? offset + data.byteLength : -1;
    if (!isData) this.#metadataWrites++;
    this.#inner.write(offset, data);
  }

  flush(): void {
    this.#inner.flush();
    this.#metadataWrites = 0;
    this.#dataEnd = -1;
  }
}
