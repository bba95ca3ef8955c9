/** Raw files and QED images seen through the `ImageReader` interface. */
import type { BlockReader } from '../engine/block-reader.ts';
import { RawImage } from '../engine/block-reader.ts';
import type { SyncFile } from '../engine/sync-file.ts';
import type { Extent } from '../engine/types.ts';
import { type BlockStatus, type ImageReader, assertReadInside } from './image-reader.ts';

/** A raw image: every byte is data (holes are found by reading, not by asking). */
export class RawReader implements ImageReader {
  /** The image format's name, as qemu-img names it. */
  readonly format = 'raw' as const;
  /** The backing image this one reads through, or null. */
  readonly backing = null;
  readonly #raw: RawImage;
  /** Virtual size in bytes: the file's length at open. */
  readonly size: number;

  /** Wraps `file` (taken over: `close` closes it). */
  constructor(file: SyncFile) {
    this.#raw = new RawImage(file);
    this.size = this.#raw.size;
  }

  /** Fills `target` with the guest bytes at `offset` (bytes from the start of the disk). */
  readInto(offset: number, target: Uint8Array): void {
    assertReadInside(offset, target.byteLength, this.size);
    this.#raw.readInto(offset, target);
  }

  /** What the guest bytes at `offset` are (data, zeros or unallocated) and for how many bytes from there. */
  blockStatus(offset: number): BlockStatus {
    assertReadInside(offset, 1, this.size);
    return { kind: 'data', length: this.size - offset };
  }

  /** Releases the reader (and what it holds open). */
  close(): void {
    this.#raw.close();
  }
}

/** What a QED image offers that the adapter uses (`QedImage` has it). */
export interface MappableImage extends BlockReader {
  /** The storage state of the whole disk as maximal runs in guest order. */
  map(): Extent[];
  /** The backing name stored in the image, or null. */
  readonly backingName: string | null;
}

/** True when `reader` can list its extents. */
export function isMappable(reader: BlockReader): reader is MappableImage {
  return 'map' in reader && typeof reader.map === 'function' && 'backingName' in reader;
}

/**
 * A QED image as an `ImageReader`. Its extents are listed once, on the first allocation query
 * (the image is read-only here). Its `backing` reads unallocated runs through the image itself,
 * which serves them from its own backing chain.
 */
export class QedReader implements ImageReader {
  /** The image format's name, as qemu-img names it. */
  readonly format = 'qed' as const;
  readonly #image: MappableImage;
  #extents: Extent[] | null = null;
  /** Reads what the image's backing chain holds, or null when the image has no backing file. */
  readonly backing: BlockReader | null;

  /** Wraps `image` (taken over: `close` closes it). */
  constructor(image: MappableImage) {
    this.#image = image;
    this.backing = image.backingName !== null ? { size: image.size, readInto: (offset, target) => image.readInto(offset, target), close: () => {} } : null;
  }

  /** Virtual size in bytes. */
  get size(): number {
    return this.#image.size;
  }

  /** Fills `target` with the guest bytes at `offset` (bytes from the start of the disk). */
  readInto(offset: number, target: Uint8Array): void {
    this.#image.readInto(offset, target);
  }

  /** What the guest bytes at `offset` are (data, zeros or unallocated) and for how many bytes from there. */
  blockStatus(offset: number): BlockStatus {
    assertReadInside(offset, 1, this.size);
    this.#extents ??= this.#image.map();
    const extents = this.#extents;
    let low = 0;
    let high = extents.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (extents[middle]!.start <= offset) low = middle;
      else high = middle - 1;
    }
    const extent = extents[low];
    if (!extent || extent.start + extent.length <= offset) return { kind: 'unallocated', length: this.size - offset };
    return { kind: extent.kind, length: extent.start + extent.length - offset };
  }

  /** Releases the reader (and what it holds open). */
  close(): void {
    this.#image.close();
  }
}
