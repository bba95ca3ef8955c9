/**
 * Converting an image read through its format's reader into a new QED image: only the runs the
 * reader reports as data are read (zero and unallocated runs are never touched), and all-zero
 * clusters among them stay unallocated, so the QED disk is as sparse as the source.
 */
import type { OpfsFile } from '../../src/backends/opfs-file.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import { type ImageReader, alignRanges, dataRanges } from '../../src/formats/index.ts';
import { SECTOR_SIZE_BYTES } from '../../src/qed/constants.ts';
import { QedArgumentError } from '../../src/qed/errors.ts';
import { writeNonZeroClusters } from '../disk-import.ts';

/** Guest bytes read per step (rounded up to whole clusters). */
const CONVERT_STEP_BYTES = 4 * 1024 * 1024;

/** Told the guest bytes examined so far out of those that may hold data. */
export type ConvertProgress = (done: number, total: number) => Promise<void>;

/**
 * Fills `file` (empty; taken over: the returned image owns it, and it is closed on failure) with
 * a QED image of `reader`'s virtual disk (its size rounded up to 512 bytes), with clusters of
 * `clusterSize` bytes (default 64 KiB). `reader` is not closed. Throws what reading `reader`
 * throws, `QedArgumentError` for an empty disk, and the engine's errors (`QedQuotaError`, ...).
 */
export async function convertToQed(reader: ImageReader, file: OpfsFile, clusterSize: number | undefined, progress: ConvertProgress): Promise<QedImage> {
  if (reader.size === 0) {
    file.close();
    throw new QedArgumentError('the image holds a disk of 0 bytes: nothing to import');
  }
  let image: QedImage;
  try {
    image = QedImage.create(file, { size: Math.ceil(reader.size / SECTOR_SIZE_BYTES) * SECTOR_SIZE_BYTES, clusterSize });
  } catch (error) {
    file.close();
    throw error;
  }
  try {
    const cs = image.geometry.clusterSize;
    const ranges = alignRanges(dataRanges(reader), cs, reader.size);
    const total = ranges.reduce((sum, range) => sum + range.end - range.start, 0);
    const buffer = new Uint8Array(Math.max(cs, Math.min(Math.ceil(CONVERT_STEP_BYTES / cs) * cs, Math.ceil(total / cs) * cs)));
    let done = 0;
    for (const range of ranges) {
      for (let at = range.start; at < range.end; ) {
        const chunk = buffer.subarray(0, Math.min(buffer.byteLength, range.end - at));
        reader.readInto(at, chunk);
        writeNonZeroClusters(image, chunk, at);
        at += chunk.byteLength;
        done += chunk.byteLength;
        await progress(done, total);
      }
    }
    if (total === 0) await progress(0, 0);
    image.flush();
    return image;
  } catch (error) {
    image.close();
    throw error;
  }
}
