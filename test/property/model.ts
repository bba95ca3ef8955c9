/** The plain byte-array model the property tests compare the engine against. */
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import type { BackingResolver } from '../../src/engine/types.ts';
import { pattern } from '../support/images.ts';

/** One operation of a random workload. Offsets and lengths are fractions resolved against the size. */
export type Operation =
  | { kind: 'write'; offset: number; length: number; seed: number; shape: Shape }
  | { kind: 'zero'; offset: number; length: number; shape: Shape }
  | { kind: 'read'; offset: number; length: number; shape: Shape }
  | { kind: 'resize'; grow: number }
  | { kind: 'reopen' }
  | { kind: 'crash' }
  | { kind: 'flush' };

/**
 * How a request is placed: `any` byte offsets; `cluster` offsets and lengths in whole clusters;
 * `hot` any offsets inside the first eight clusters, so requests pile onto the same clusters.
 */
export type Shape = 'any' | 'cluster' | 'hot';

/** A disk under test: the engine image and the model bytes it must equal. */
export class ModelledDisk {
  file: MemoryFile;
  image: QedImage;
  model: Uint8Array;
  readonly #resolver: BackingResolver | undefined;

  constructor(file: MemoryFile, image: QedImage, base: Uint8Array | null, resolver: BackingResolver | undefined) {
    this.file = file;
    this.image = image;
    this.#resolver = resolver;
    this.model = new Uint8Array(image.size);
    if (base) this.model.set(base.subarray(0, Math.min(base.byteLength, image.size)));
  }

  /** Applies `operation` to both the image and the model; throws on any mismatch. */
  apply(operation: Operation): void {
    const size = this.image.size;
    switch (operation.kind) {
      case 'write': {
        const { offset, length } = this.#range(operation.offset, operation.length, operation.shape);
        const data = pattern(length, operation.seed);
        this.image.write(offset, data);
        this.model.set(data, offset);
        break;
      }
      case 'zero': {
        const { offset, length } = this.#range(operation.offset, operation.length, operation.shape);
        this.image.writeZeroes(offset, length);
        this.model.fill(0, offset, offset + length);
        break;
      }
      case 'read': {
        const { offset, length } = this.#range(operation.offset, operation.length, operation.shape);
        assertSame(this.image.read(offset, length), this.model.subarray(offset, offset + length), `read [${offset}, +${length})`);
        break;
      }
      case 'resize': {
        const newSize = size + operation.grow * 512;
        this.image.resize(newSize);
        const grown = new Uint8Array(newSize);
        grown.set(this.model);
        // Growing exposes backing bytes past the old end, exactly as unallocated reads do.
        const tail = this.image.read(size, newSize - size);
        grown.set(tail, size);
        this.model = grown;
        break;
      }
      case 'reopen': {
        this.image.close();
        this.file = new MemoryFile(this.file.snapshot());
        this.image = QedImage.open(this.file, { resolveBacking: this.#resolver });
        break;
      }
      case 'crash': {
        // The process dies with the image open: reopen what the file holds now (need-check may be set).
        this.file = new MemoryFile(this.file.snapshot());
        this.image = QedImage.open(this.file, { resolveBacking: this.#resolver });
        break;
      }
      case 'flush':
        this.image.flush();
        break;
    }
  }

  #range(offsetFraction: number, lengthFraction: number, shape: Shape): { offset: number; length: number } {
    const size = this.image.size;
    const cs = this.image.geometry.clusterSize;
    if (shape === 'any') return clamp(offsetFraction, lengthFraction, size);
    if (shape === 'hot') return clamp(offsetFraction, lengthFraction, Math.min(size, 8 * cs));
    const clusters = Math.floor(size / cs);
    const first = Math.min(clusters, Math.floor(offsetFraction * Math.min(clusters, 12)));
    const count = Math.floor(lengthFraction * Math.min(6, clusters - first + 1));
    return { offset: first * cs, length: Math.min(count * cs, size - first * cs) };
  }

  /** Asserts every byte of the image equals the model, reading in uneven pieces. */
  verifyAll(): void {
    const size = this.image.size;
    const step = 777 * 1024 + 512;
    for (let offset = 0; offset < size; offset += step) {
      const length = Math.min(step, size - offset);
      assertSame(this.image.read(offset, length), this.model.subarray(offset, offset + length), `verify [${offset}, +${length})`);
    }
  }
}

/** Resolves fractional offset/length (0..1) to a range inside `size`, biased to small lengths. */
export function clamp(offsetFraction: number, lengthFraction: number, size: number): { offset: number; length: number } {
  const offset = Math.min(size, Math.floor(offsetFraction * size));
  const maxLength = size - offset;
  const length = Math.min(maxLength, Math.floor(lengthFraction ** 3 * maxLength));
  return { offset, length };
}

/** Throws with the first differing byte unless `actual` equals `expected`. */
export function assertSame(actual: Uint8Array, expected: Uint8Array, what: string): void {
  if (actual.byteLength !== expected.byteLength) throw new Error(`${what}: length ${actual.byteLength} != ${expected.byteLength}`);
  if (Buffer.compare(Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength), Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength)) === 0) return;
  const index = actual.findIndex((byte, i) => byte !== expected[i]);
  throw new Error(`${what}: byte ${index} is ${actual[index]}, expected ${expected[index]}`);
}
