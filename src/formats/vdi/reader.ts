/** A read-only VDI image (dynamic or static) over a `SyncFile`. */
import type { SyncFile } from '../../engine/sync-file.ts';
import { readU32LE, viewOf } from '../codec/bytes.ts';
import { type BlockHost, blockStatusAt, readBlocks } from '../block-map.ts';
import { readMetadata } from '../file-read.ts';
import { type BlockStatus, type ImageReader, assertReadInside } from '../image-reader.ts';
import { VDI_FIRST_UNALLOCATED, VDI_HEADER_BYTES, type VdiHeader, decodeVdiHeader } from './header.ts';

/** A VDI image opened read-only. */
export class VdiReader implements ImageReader {
  readonly format = 'vdi' as const;
  readonly backing = null;
  /** Virtual size in bytes. */
  readonly size: number;
  /** The decoded header. */
  readonly header: VdiHeader;
  readonly #file: SyncFile;
  readonly #map: DataView;

  private constructor(file: SyncFile, header: VdiHeader, map: DataView) {
    this.#file = file;
    this.header = header;
    this.size = header.diskSize;
    this.#map = map;
  }

  /** Opens `file` (taken over only on success). Throws `ImageFormatError` or `ImageUnsupportedError`. */
  static open(file: SyncFile): VdiReader {
    const header = decodeVdiHeader(readMetadata(file, 0, VDI_HEADER_BYTES, 'VDI header'));
    const blocks = Math.ceil(header.diskSize / header.blockSize);
    return new VdiReader(file, header, viewOf(readMetadata(file, header.offsetBmap, blocks * 4, 'VDI block map')));
  }

  readInto(offset: number, target: Uint8Array): void {
    assertReadInside(offset, target.byteLength, this.size);
    readBlocks(this.#file, offset, target, this.header.blockSize, this.#hostOf);
  }

  blockStatus(offset: number): BlockStatus {
    assertReadInside(offset, 1, this.size);
    return blockStatusAt(offset, this.size, this.header.blockSize, this.#hostOf);
  }

  close(): void {
    this.#file.close();
  }

  /** File offset of block `index`, or null when it is not allocated (reads as zeros). */
  readonly #hostOf = (index: number): BlockHost => {
    const entry = readU32LE(this.#map, index * 4);
    return entry >= VDI_FIRST_UNALLOCATED ? null : this.header.offsetData + entry * this.header.blockSize;
  };
}
