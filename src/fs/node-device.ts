/** A `BlockDevice` over a raw image file in Node (CLI, tests, benchmarks). Not for the browser. */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import type { BlockDevice } from './block-device.ts';
import { FsDeviceRangeError } from './block-device.ts';

/** A raw disk image file opened synchronously; the caller closes it. */
export class NodeFileDevice implements BlockDevice {
  readonly size: number;
  readonly #fd: number;
  readonly #writable: boolean;
  /** Absent when opened read-only. */
  readonly write?: (offset: number, data: Uint8Array) => void;

  private constructor(fd: number, writable: boolean) {
    this.#fd = fd;
    this.#writable = writable;
    this.size = fstatSync(fd).size;
    if (writable) this.write = (offset, data) => this.#write(offset, data);
  }

  /** Opens the file at `path` for reading, or for reading and writing. */
  static open(path: string, mode: 'read' | 'readwrite'): NodeFileDevice {
    return new NodeFileDevice(openSync(path, mode === 'read' ? 'r' : 'r+'), mode === 'readwrite');
  }

  /** Fills `target` from `offset`; past the end of the file reads zeros. */
  readInto(offset: number, target: Uint8Array): void {
    this.#check(offset, target.byteLength);
    let done = 0;
    while (done < target.byteLength) {
      const count = readSync(this.#fd, target, done, target.byteLength - done, offset + done);
      if (count === 0) {
        target.fill(0, done);
        return;
      }
      done += count;
    }
  }

  /** fsyncs the file when writable. */
  flush(): void {
    if (this.#writable) fsyncSync(this.#fd);
  }

  /** Closes the file. */
  close(): void {
    closeSync(this.#fd);
  }

  #write(offset: number, data: Uint8Array): void {
    this.#check(offset, data.byteLength);
    let done = 0;
    while (done < data.byteLength) done += writeSync(this.#fd, data, done, data.byteLength - done, offset + done);
  }

  #check(offset: number, length: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + length > this.size) {
      throw new FsDeviceRangeError(`request ${offset}+${length} lies outside the ${this.size}-byte file`);
    }
  }
}
