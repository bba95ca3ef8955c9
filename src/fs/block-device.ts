/**
 * The synchronous virtual disk every file-system routine works on, and a view of a byte range of
 * another device (a partition). `QedImage` satisfies `BlockDevice` structurally.
 */
import { FsError } from './errors.ts';

/** A synchronous virtual disk, offsets and lengths in bytes. */
export interface BlockDevice {
  /** Size of the device in bytes. */
  readonly size: number;
  /** Fills `target` with the bytes at `offset`; throws outside the device. */
  readInto(offset: number, target: Uint8Array): void;
  /** Writes `data` at `offset`; `data` is not kept. Absent on a read-only device. */
  write?(offset: number, data: Uint8Array): void;
  /** Makes completed writes durable. */
  flush?(): void;
}

/** A request outside a device's range. */
export class FsDeviceRangeError extends FsError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'FsDeviceRangeError';
}

/** Reads `length` bytes at `offset` of `device` into a new buffer owned by the caller. */
export function readBytes(device: BlockDevice, offset: number, length: number): Uint8Array {
  const target = new Uint8Array(length);
  device.readInto(offset, target);
  return target;
}

/** True when `device` accepts writes: it has `write`, and no `readOnly` flag says otherwise (a read-only `QedImage` has both). */
export function isWritable(device: BlockDevice): boolean {
  return typeof device.write === 'function' && !('readOnly' in device && (device as { readOnly?: unknown }).readOnly === true);
}

/**
 * A `BlockDevice` over `[start, start + size)` of `parent` (a partition). Requests outside the
 * range throw `FsDeviceRangeError` before reaching the parent. Writable when the parent is.
 */
export class SliceDevice implements BlockDevice {
  readonly size: number;
  readonly #parent: BlockDevice;
  readonly #start: number;
  /** Absent when the parent is read-only. */
  readonly write?: (offset: number, data: Uint8Array) => void;

  /** A view of `size` bytes of `parent` from byte `start`. */
  constructor(parent: BlockDevice, start: number, size: number) {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(size) || start < 0 || size < 0 || start + size > parent.size) {
      throw new FsDeviceRangeError(`partition range ${start}+${size} lies outside the ${parent.size}-byte disk`);
    }
    this.#parent = parent;
    this.#start = start;
    this.size = size;
    const parentWrite = parent.write;
    if (parentWrite) {
      this.write = (offset, data) => {
        this.#check(offset, data.byteLength);
        parentWrite.call(parent, start + offset, data);
      };
    }
  }

  /** Fills `target` from the slice at `offset`. */
  readInto(offset: number, target: Uint8Array): void {
    this.#check(offset, target.byteLength);
    this.#parent.readInto(this.#start + offset, target);
  }

  /** Flushes the parent. */
  flush(): void {
    this.#parent.flush?.();
  }

  #check(offset: number, length: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + length > this.size) {
      throw new FsDeviceRangeError(`request ${offset}+${length} lies outside the ${this.size}-byte partition`);
    }
  }
}

/** A `BlockDevice` in memory (tests, and building images before they are written out). */
export class MemoryDevice implements BlockDevice {
  /** The device's bytes; owned by the device. */
  readonly bytes: Uint8Array;

  /** A zero-filled device of `size` bytes, or one over `bytes` (not copied). */
  constructor(sizeOrBytes: number | Uint8Array) {
    this.bytes = typeof sizeOrBytes === 'number' ? new Uint8Array(sizeOrBytes) : sizeOrBytes;
  }

  /** Size in bytes. */
  get size(): number {
    return this.bytes.byteLength;
  }

  /** Copies bytes at `offset` into `target`. */
  readInto(offset: number, target: Uint8Array): void {
    this.#check(offset, target.byteLength);
    target.set(this.bytes.subarray(offset, offset + target.byteLength));
  }

  /** Copies `data` to `offset`. */
  write(offset: number, data: Uint8Array): void {
    this.#check(offset, data.byteLength);
    this.bytes.set(data, offset);
  }

  #check(offset: number, length: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + length > this.bytes.byteLength) {
      throw new FsDeviceRangeError(`request ${offset}+${length} lies outside the ${this.bytes.byteLength}-byte device`);
    }
  }
}
