/**
 * The copy loop of `convert`: reads the input's data ranges in large chunks and writes only the
 * blocks that hold nonzero bytes, so zeros never reach the output and stay holes.
 */
import type { InterruptWatch } from '../interrupt.ts';
import type { Progress } from '../progress.ts';
import type { ConvertSink } from './sink.ts';
import type { ConvertSource } from './source.ts';
import { forEachDataRun } from './zero-scan.ts';
import { alignRanges } from '../../formats/ranges.ts';

export { alignRanges };

/**
 * Bytes read per step (rounded up to whole output blocks). 1 MiB stays in the CPU's cache between
 * the read and the write: a 384 MiB image converted in 249 ms (QED to raw) and 354 ms (raw to QED)
 * with it, 286 ms and 441 ms with 4 MiB (medians of 15 interleaved runs on this machine).
 */
const CHUNK_BYTES = 1024 * 1024;

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
