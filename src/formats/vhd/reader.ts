/**
 * A read-only VHD ("vpc") image, fixed or dynamic, over a `SyncFile`. Differencing disks are
 * refused. As QEMU, a dynamic block's sector bitmap is not consulted when reading: a block in the
 * BAT is read whole, a block not in it reads as zeros.
 */
import type { SyncFile } from '../../engine/sync-file.ts';
import { type BlockHost, BlockMapReader } from '../block-map.ts';
import { hasAscii, readU32BE, viewOf } from '../codec/bytes.ts';
import { ImageCorruptionError, ImageUnsupportedError } from '../errors.ts';
import { readMetadata } from '../file-read.ts';
import type { ImageReader } from '../image-reader.ts';
import { VHD_DYNAMIC_HEADER_BYTES, VHD_FOOTER_BYTES, VHD_UNALLOCATED, type VhdDynamicHeader, type VhdFooter, decodeVhdDynamicHeader, decodeVhdFooter } from './footer.ts';

/** Block size used to walk a fixed disk (its data is one contiguous run), in bytes. */
const FIXED_BLOCK_BYTES = 2 * 1024 * 1024;

/** A VHD image opened read-only. */
export class VhdReader extends BlockMapReader implements ImageReader {
  /** The image format's name, as qemu-img names it. */
  readonly format = 'vpc' as const;
  /** The decoded footer. */
  readonly footer: VhdFooter;
  readonly #dynamic: VhdDynamicHeader | null;
  /** The BAT entries that cover the disk (dynamic disks). */
  readonly #bat: DataView | null;
  readonly #fileSize: number;

  private constructor(file: SyncFile, footer: VhdFooter, dynamic: VhdDynamicHeader | null, bat: DataView | null) {
    super(file, footer.size, dynamic?.blockSize ?? FIXED_BLOCK_BYTES);
    this.footer = footer;
    this.#dynamic = dynamic;
    this.#bat = bat;
    this.#fileSize = file.getSize();
  }

  /**
   * Opens `file` (taken over only on success). The footer is read from offset 0 (a dynamic
   * disk's copy) or else from the end of the file, as QEMU does. Throws `ImageFormatError`,
   * `ImageUnsupportedError` (differencing disks).
   */
  static open(file: SyncFile): VhdReader {
    let footerBytes = readMetadata(file, 0, VHD_FOOTER_BYTES, 'VHD footer');
    if (!hasAscii(footerBytes, 0, 'conectix')) footerBytes = readMetadata(file, Math.max(0, file.getSize() - VHD_FOOTER_BYTES), VHD_FOOTER_BYTES, 'VHD footer');
    const footer = decodeVhdFooter(footerBytes);
    if (footer.diskType === 'differencing') throw new ImageUnsupportedError('differencing VHD images are not supported (convert the chain with qemu-img first)');
    if (footer.diskType === 'fixed') return new VhdReader(file, footer, null, null);
    const dynamic = decodeVhdDynamicHeader(readMetadata(file, footer.dataOffset, VHD_DYNAMIC_HEADER_BYTES, 'VHD dynamic disk header'), footer.size);
    const entries = Math.ceil(footer.size / dynamic.blockSize);
    const bat = viewOf(readMetadata(file, dynamic.tableOffset, entries * 4, 'VHD block allocation table'));
    return new VhdReader(file, footer, dynamic, bat);
  }

  /** File offset of block `index`'s data (a fixed disk's data starts at 0), or null when the block is not allocated. */
  protected override hostOf(index: number): BlockHost {
    if (!this.#dynamic || !this.#bat) return index * FIXED_BLOCK_BYTES;
    const { blockSize, bitmapBytes } = this.#dynamic;
    const entry = readU32BE(this.#bat, index * 4);
    if (entry === VHD_UNALLOCATED) return null;
    const host = entry * 512 + bitmapBytes;
    if (host + blockSize > this.#fileSize) throw new ImageCorruptionError(`VHD block ${index} at ${entry * 512} lies past the end of the file (truncated image?)`);
    return host;
  }
}
