/**
 * Inflating compressed clusters off the synchronous read path. The readers decode DEFLATE with a
 * pure-JavaScript decoder (`inflate.ts`); a browser's native `DecompressionStream` is several
 * times faster but asynchronous. Inside `runDeferringInflate`, a reader that misses a compressed
 * cluster in its cache throws `InflatePendingError` instead of decoding it: nothing was read or
 * changed, the caller awaits `error.settle()` (which decodes the listed clusters natively and
 * puts them into the reader's cache) and runs the action again, as it does for remote chunks
 * (`runWithBacking`). Outside such a scope, or when the native decoder declines a stream, the
 * readers decode synchronously as before, with the same typed errors.
 */
import { QedError } from '../../qed/errors.ts';

/**
 * An asynchronous raw-DEFLATE decoder: the `outputBytes` bytes the stream at the start of `input`
 * decodes to, or null when it cannot give exactly that many (the synchronous decoder then decides,
 * and gives the typed error). Bytes after the stream's end are ignored.
 */
export type AsyncRawInflate = (input: Uint8Array<ArrayBuffer>, outputBytes: number) => Promise<Uint8Array | null>;

/** One cluster to decode: its compressed bytes and where the decoded cluster goes. */
export interface InflateJob {
  /** The compressed bytes, read from the image already. */
  readonly input: Uint8Array<ArrayBuffer>;
  /** Bytes the cluster decodes to. */
  readonly outputBytes: number;
  /** Takes the decoded cluster (into the reader's cache), or null when it must be decoded synchronously. */
  readonly deliver: (output: Uint8Array | null) => void;
}

/**
 * Thrown by a reader inside `runDeferringInflate` when clusters it must read are compressed and
 * not decoded yet. Nothing was read or changed: `settle()`, then run the action again.
 */
export class InflatePendingError extends QedError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'InflatePendingError';
  /** The clusters to decode. */
  readonly jobs: readonly InflateJob[];
  readonly #inflate: AsyncRawInflate;

  /** Creates the error for `jobs`, to be decoded by `inflate`. */
  constructor(jobs: readonly InflateJob[], inflate: AsyncRawInflate) {
    super(`${jobs.length} compressed cluster(s) to decode before the read`);
    this.jobs = jobs;
    this.#inflate = inflate;
  }

  /** Decodes every job with the scope's decoder and delivers the results (null for any it declines or fails). */
  async settle(): Promise<void> {
    await Promise.all(
      this.jobs.map(async (job) => {
        let output: Uint8Array | null = null;
        try {
          output = await this.#inflate(job.input, job.outputBytes);
        } catch {
          output = null;
        }
        job.deliver(output !== null && output.byteLength === job.outputBytes ? output : null);
      }),
    );
  }
}

/** The decoder of the innermost `runDeferringInflate` running now, or null. */
let activeInflate: AsyncRawInflate | null = null;

/** Runs the synchronous `action` with `inflate` as the deferred decoder readers may ask for. */
export function runDeferringInflate<T>(inflate: AsyncRawInflate, action: () => T): T {
  const outer = activeInflate;
  activeInflate = inflate;
  try {
    return action();
  } finally {
    activeInflate = outer;
  }
}

/** The deferred decoder of the scope running now, or null outside any (decode synchronously then). */
export function deferredInflate(): AsyncRawInflate | null {
  return activeInflate;
}

/** Compressed bytes handed to the native decoder per write, as the synchronous decoder's pieces. */
const STREAM_PIECE_BYTES = 8 * 1024;

/**
 * True when this runtime has `DecompressionStream` with the `deflate-raw` format (browsers since
 * 2023, Node 20).
 */
export function hasNativeRawInflate(): boolean {
  if (typeof DecompressionStream !== 'function') return false;
  try {
    new DecompressionStream('deflate-raw');
    return true;
  } catch {
    return false;
  }
}

/**
 * `AsyncRawInflate` over the runtime's `DecompressionStream('deflate-raw')`. The input goes in
 * 8 KiB pieces and stops once `outputBytes` have come out, so a hostile stream costs at most one
 * piece's expansion beyond the cluster. An error after the cluster is complete (bytes after the
 * stream's end, which qcow2 pads to whole sectors) does not count.
 */
export const nativeRawInflate: AsyncRawInflate = async (input, outputBytes) => {
  const stream = new DecompressionStream('deflate-raw');
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  const output = new Uint8Array(outputBytes);
  let produced = 0;
  const feeding = (async () => {
    for (let at = 0; at < input.byteLength && produced < outputBytes; at += STREAM_PIECE_BYTES) {
      await writer.write(input.subarray(at, Math.min(input.byteLength, at + STREAM_PIECE_BYTES)));
    }
    await writer.close();
  })();
  feeding.catch(() => {});
  try {
    while (produced < outputBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      const take = Math.min(value.byteLength, outputBytes - produced);
      output.set(take === value.byteLength ? value : value.subarray(0, take), produced);
      produced += take;
    }
  } catch {
    // An invalid stream, or bytes after its end: what came out before still counts.
  } finally {
    reader.cancel().catch(() => {});
    writer.abort().catch(() => {});
  }
  return produced === outputBytes ? output : null;
};
