/** `writeQcow2`: a whole disk into a new qcow2 file, skipping what reads as zeros. */
import type { BlockReader } from '../../engine/block-reader.ts';
import type { SyncFile } from '../../engine/sync-file.ts';
import { dataRanges } from '../image-reader.ts';
import { alignRanges } from '../ranges.ts';
import { type Qcow2WriteResult, Qcow2Writer, type Qcow2WriterOptions } from './writer.ts';

/** Options of `writeQcow2`. */
export interface WriteQcow2Options extends Qcow2WriterOptions {
  /** Told the bytes examined so far out of the total to examine (the data ranges' length). */
  onProgress?: (done: number, total: number) => void;
}

/** Guest bytes read per step (rounded to whole clusters). */
const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Writes the virtual disk of `source` into `out` (an empty file) as a qcow2 image. Only the
 * runs `source` reports as data (through its allocation queries and backing chain, when it is
 * an `ImageReader`; all of it otherwise) are read, and all-zero clusters among them are left
 * unallocated. `out` is neither flushed nor closed. Throws what reading `source` throws and
 * `QedArgumentError` for bad options.
 */
export function writeQcow2(source: BlockReader, out: SyncFile, options: WriteQcow2Options = {}): Qcow2WriteResult {
  const writer = new Qcow2Writer(out, source.size, options);
  const cs = writer.clusterSize;
  const ranges = alignRanges(dataRanges(source), cs, source.size);
  const total = ranges.reduce((sum, range) => sum + range.end - range.start, 0);
  const buffer = new Uint8Array(Math.min(Math.ceil(CHUNK_BYTES / cs) * cs, Math.max(cs, Math.ceil(total / cs) * cs)));
  let done = 0;
  for (const range of ranges) {
    for (let position = range.start; position < range.end; ) {
      const length = Math.min(buffer.byteLength, range.end - position);
      const chunk = buffer.subarray(0, length);
      source.readInto(position, chunk);
      writer.write(position, chunk);
      position += length;
      done += length;
      options.onProgress?.(done, total);
    }
  }
  return writer.finish();
}
