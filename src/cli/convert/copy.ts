/**
 * The copy loop of `convert`: reads the input's data ranges in large chunks and writes only the
 * blocks that hold nonzero bytes, so zeros never reach the output and stay holes.
 */
import type { InterruptWatch } from '../interrupt.ts';
import type { Progress } from '../progress.ts';
import type { ConvertSink } from './sink.ts';
import type { ByteRange, ConvertSource } from './source.ts';
import { forEachDataRun } from './zero-scan.ts';

/** Bytes read per step (rounded up to whole output blocks). */
const CHUNK_BYTES = 4 * 1024 * 1024;

/** What the copy loop reports to and listens to. */
export interface CopyControls {
  /** Told the bytes examined so far, out of the total length of the data ranges. */
  progress: Progress;
  /** Checked between chunks; stops the copy by throwing. */
  interrupts: InterruptWatch;
}

/** Copies every nonzero block of `source` to the same offset in `sink`. Returns the bytes written. */
export async function copyData(source: ConvertSource, sink: ConvertSink, controls: CopyControls): Promise<number> {
  const ranges = alignRanges(source.dataRanges(), sink.blockSize, source.size);
  const total = ranges.reduce((sum, range) => sum + range.end - range.start, 0);
  const chunkBytes = Math.ceil(CHUNK_BYTES / sink.blockSize) * sink.blockSize;
  const buffer = new Uint8Array(Math.min(chunkBytes, Math.max(total, 1)));
  let examined = 0;
  let written = 0;
  for (const range of ranges) {
    for (let position = range.start; position < range.end; ) {
      const chunk = buffer.subarray(0, Math.min(buffer.byteLength, range.end - position));
      source.readInto(chunk, position);
      forEachDataRun(chunk, sink.blockSize, (start, end) => {
        sink.write(chunk.subarray(start, end), position + start);
        written += end - start;
      });
      position += chunk.byteLength;
      examined += chunk.byteLength;
      controls.progress.update(examined, total);
      await new Promise((resolve) => setImmediate(resolve));
      controls.interrupts.check();
    }
  }
  return written;
}

/**
 * Widens `ranges` to whole blocks of `blockSize` (clipped to `size`), merging any that touch,
 * so every block is examined whole and at most once.
 */
export function alignRanges(ranges: readonly ByteRange[], blockSize: number, size: number): ByteRange[] {
  const aligned: ByteRange[] = [];
  for (const range of ranges) {
    const start = Math.floor(range.start / blockSize) * blockSize;
    const end = Math.min(size, Math.ceil(range.end / blockSize) * blockSize);
    const last = aligned[aligned.length - 1];
    if (last && start <= last.end) last.end = Math.max(last.end, end);
    else if (end > start) aligned.push({ start, end });
  }
  return aligned;
}
