/**
 * A read-only dynamic (or fixed) VHDX image over a `SyncFile`. Differencing images and images
 * whose log holds entries to replay are refused, as QEMU refuses them read-only.
 */
import type { SyncFile } from '../../engine/sync-file.ts';
import { type BlockHost, BlockMapReader } from '../block-map.ts';
import { hasAscii, viewOf } from '../codec/bytes.ts';
import { ImageCorruptionError, ImageUnsupportedError } from '../errors.ts';
import { readMetadata } from '../file-read.ts';
import type { ImageReader } from '../image-reader.ts';
import {
  VHDX_FULLY_PRESENT,
  VHDX_HEADER_BYTES,
  VHDX_HEADER_OFFSETS,
  VHDX_REGION_TABLE_BYTES,
  VHDX_REGION_TABLE_OFFSET,
  VHDX_ZERO,
  VHDX_ZERO_STATES,
  type VhdxHeader,
  type VhdxMetadata,
  currentVhdxHeader,
  decodeBatEntry,
  decodeVhdxHeader,
  decodeVhdxMetadata,
  decodeVhdxRegions,
} from './structures.ts';

/** Bytes of a log entry slot (log entries start on 4 KiB boundaries). */
const LOG_SLOT_BYTES = 4096;

/** A VHDX image opened read-only. */
export class VhdxReader extends BlockMapReader implements ImageReader {
  /** The image format's name, as qemu-img names it. */
  readonly format = 'vhdx' as const;
  /** The decoded metadata. */
  readonly metadata: VhdxMetadata;
  readonly #bat: DataView;
  readonly #fileSize: number;

  private constructor(file: SyncFile, metadata: VhdxMetadata, bat: DataView) {
    super(file, metadata.virtualDiskSize, metadata.blockSize);
    this.metadata = metadata;
    this.#bat = bat;
    this.#fileSize = file.getSize();
  }

  /** Opens `file` (taken over only on success). Throws `ImageFormatError` or `ImageUnsupportedError`. */
  static open(file: SyncFile): VhdxReader {
    if (!hasAscii(readMetadata(file, 0, 8, 'VHDX file identifier'), 0, 'vhdxfile')) throw new ImageUnsupportedError('not a VHDX image (no "vhdxfile" identifier)');
    const [first, second] = VHDX_HEADER_OFFSETS.map((offset) => decodeVhdxHeader(readMetadata(file, offset, VHDX_HEADER_BYTES, 'VHDX header')));
    const header = currentVhdxHeader(first ?? null, second ?? null);
    if (header.hasLog) refuseLogToReplay(file, header);
    const regions = decodeVhdxRegions(readMetadata(file, VHDX_REGION_TABLE_OFFSET, VHDX_REGION_TABLE_BYTES, 'VHDX region table'));
    const metadata = decodeVhdxMetadata(readMetadata(file, regions.metadata.offset, regions.metadata.length, 'VHDX metadata region'));
    if (metadata.batEntries * 8 > regions.bat.length) throw new ImageCorruptionError(`VHDX BAT region of ${regions.bat.length} bytes is too small for ${metadata.batEntries} entries`);
    const bat = viewOf(readMetadata(file, regions.bat.offset, metadata.batEntries * 8, 'VHDX BAT'));
    return new VhdxReader(file, metadata, bat);
  }

  /** File offset of payload block `index`, `zero`, or null (not present, reads as zeros). */
  protected override hostOf(index: number): BlockHost {
    const { chunkRatio, blockSize } = this.metadata;
    const { state, offset } = decodeBatEntry(this.#bat, index + Math.floor(index / chunkRatio));
    if (state === VHDX_ZERO) return 'zero';
    if (VHDX_ZERO_STATES.has(state)) return null;
    if (state !== VHDX_FULLY_PRESENT) throw new ImageCorruptionError(`VHDX payload block ${index} has state ${state}, invalid without a parent`);
    if (offset + blockSize > this.#fileSize) throw new ImageCorruptionError(`VHDX payload block ${index} at ${offset} lies past the end of the file (truncated image?)`);
    return offset;
  }
}

/**
 * Refuses an image whose log may hold entries to replay: some 4 KiB slot of the log starts
 * with a log entry signature and the header's log GUID. (QEMU replays such a log when opening
 * read-write and refuses read-only; checksums are not verified here, so a damaged entry is
 * refused too.)
 */
function refuseLogToReplay(file: SyncFile, header: VhdxHeader): void {
  const log = readMetadata(file, header.logOffset, header.logLength, 'VHDX log');
  for (let at = 0; at + 48 <= log.byteLength; at += LOG_SLOT_BYTES) {
    if (!hasAscii(log, at, 'loge')) continue;
    if (header.logGuid.every((byte, i) => log[at + 32 + i] === byte)) {
      throw new ImageUnsupportedError('the VHDX image has a log that needs to be replayed (run qemu-img check -r all on it first)');
    }
  }
}
