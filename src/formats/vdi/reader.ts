/** A read-only VDI image (dynamic or static) over a `SyncFile`. */
import type { SyncFile } from '../../engine/sync-file.ts';
import { type BlockHost, BlockMapReader } from '../block-map.ts';
import { readU32LE, viewOf } from '../codec/bytes.ts';
import { readMetadata } from '../file-read.ts';
import type { ImageReader } from '../image-reader.ts';
import { VDI_FIRST_UNALLOCATED, VDI_HEADER_BYTES, type VdiHeader, decodeVdiHeader } from './header.ts';

/** A VDI image opened read-only. */
export class VdiReader extends BlockMapReader implements ImageReader {
  /** The image format's name, as qemu-img names it. */
  readonly format = 'vdi' as const;
  /** The decoded header. */
  readonly header: VdiHeader;
  readonly #map: DataView;

  private constructor(file: SyncFile, header: VdiHeader, map: DataView) {
    super(file, header.diskSize, header.blockSize);
    this.header = header;
    this.#map = map;
  }

  /** Opens `file` (taken over only on success). Throws `ImageFormatError` or `ImageUnsupportedError`. */
  static open(file: SyncFile): VdiReader {
    const header = decodeVdiHeader(readMetadata(file, 0, VDI_HEADER_BYTES, 'VDI header'));
    const blocks = Math.ceil(header.diskSize / header.blockSize);
    return new VdiReader(file, header, viewOf(readMetadata(file, header.offsetBmap, blocks * 4, 'VDI block map')));
  }

  /** File offset of block `index`, or null when it is not allocated (reads as zeros). */
  protected override hostOf(index: number): BlockHost {
    const entry = readU32LE(this.#map, index * 4);
    return entry >= VDI_FIRST_UNALLOCATED ? null : this.header.offsetData + entry * this.header.blockSize;
  }
}
