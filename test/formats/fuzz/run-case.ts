/**
 * One format fuzz case: open a mutated image (as its seed's format, or probed), walk its
 * allocation, read it twice in a few places. Every failure must be a `QedError`; the bytes
 * the reader asked of the file are counted, so a test can bound its work without a clock.
 */
import { MemoryFile } from '../../../src/backends/memory-file.ts';
import type { ImageFormat } from '../../../src/formats/index.ts';
import { openImageReader } from '../../../src/formats/index.ts';
import { QedError } from '../../../src/qed/errors.ts';
import { CountingFile, type ReadCounts } from './counting-file.ts';
import type { Random } from './mutate.ts';

/** Largest read a case issues, in bytes. */
const MAX_REQUEST_BYTES = 256 * 1024;
/** Allocation queries a case asks at most. */
const MAX_STATUS_STEPS = 32;

/** What happened in one case. */
export interface CaseResult {
  outcome: 'opened' | 'rejected';
  /** Name of the first typed error, if any. */
  error: string | null;
  counts: ReadCounts;
}

/** Runs one case on `bytes`; throws (the non-QedError) when a reader misbehaves. */
export function runFormatCase(bytes: Uint8Array, format: ImageFormat | 'probe', random: Random): CaseResult {
  const counts: ReadCounts = { bytesRequested: 0, largestRequest: 0, reads: 0 };
  const backingCounts = counts;
  const resolve = (): CountingFile => new CountingFile(new MemoryFile(new Uint8Array(64 * 1024).fill(0x5a)), backingCounts);
  let error: string | null = null;
  const attempt = (action: () => void): void => {
    try {
      action();
    } catch (caught) {
      if (!(caught instanceof QedError)) throw caught;
      error ??= caught.name;
    }
  };
  let opened = false;
  attempt(() => {
    const reader = openImageReader(new CountingFile(new MemoryFile(bytes), counts), format, resolve);
    opened = true;
    try {
      attempt(() => {
        for (let offset = 0, steps = 0; offset < reader.size && steps < MAX_STATUS_STEPS; steps++) {
          const status = reader.blockStatus(offset);
          if (!(status.length >= 1) || offset + status.length > reader.size) throw new Error(`blockStatus(${offset}) gave length ${status.length} on a ${reader.size}-byte disk`);
          offset += status.length;
        }
      });
      for (let i = 0; i < 4; i++) {
        const offset = Math.floor(random() * reader.size);
        const length = Math.min(reader.size - offset, Math.floor(random() * MAX_REQUEST_BYTES));
        attempt(() => {
          const first = new Uint8Array(length);
          const second = new Uint8Array(length);
          reader.readInto(offset, first);
          reader.readInto(offset, second);
          if (Buffer.compare(first, second) !== 0) throw new Error(`two reads of [${offset}, +${length}) differ`);
        });
      }
    } finally {
      reader.close();
    }
  });
  return { outcome: opened ? 'opened' : 'rejected', error, counts };
}
