/**
 * Finding the blocks of a buffer that hold data. Each block is compared with a shared zero
 * buffer by `Buffer.compare` (a native memcmp), about ten times faster than a typed-array loop
 * and without allocating per block.
 */

/** A shared all-zero buffer, grown on demand; never written to. */
let zeros = Buffer.alloc(64 * 1024);

/**
 * Splits `chunk` into blocks of `blockSize` bytes (the last one may be shorter) and calls
 * `onRun(start, end)` for every maximal run of consecutive blocks that hold a nonzero byte,
 * with byte offsets into `chunk`, in order.
 */
export function forEachDataRun(chunk: Uint8Array, blockSize: number, onRun: (start: number, end: number) => void): void {
  if (blockSize > zeros.byteLength) zeros = Buffer.alloc(blockSize);
  const view = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  let runStart = -1;
  for (let start = 0; start < chunk.byteLength; start += blockSize) {
    const end = Math.min(start + blockSize, chunk.byteLength);
    const zero = view.compare(zeros, 0, end - start, start, end) === 0;
    if (!zero && runStart < 0) runStart = start;
    if (zero && runStart >= 0) {
      onRun(runStart, start);
      runStart = -1;
    }
  }
  if (runStart >= 0) onRun(runStart, chunk.byteLength);
}
