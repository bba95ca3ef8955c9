/**
 * Telling zero bytes from data: the one check every writer uses to leave all-zero clusters
 * unallocated (import, export, convert, compaction, the qcow2 writer).
 */

/** True when every byte of `bytes` is 0. Reads four bytes at a time when the view is aligned. */
export function isAllZero(bytes: Uint8Array): boolean {
  const { byteOffset, byteLength } = bytes;
  let index = 0;
  if (byteOffset % 4 === 0) {
    const words = new Uint32Array(bytes.buffer, byteOffset, byteLength >>> 2);
    for (let i = 0; i < words.length; i++) if (words[i] !== 0) return false;
    index = words.length * 4;
  }
  for (; index < byteLength; index++) if (bytes[index] !== 0) return false;
  return true;
}

/**
 * Splits `chunk` into blocks of `blockSize` bytes (the last may be shorter) and calls
 * `onRun(start, end)` for every maximal run of consecutive blocks holding a nonzero byte, in
 * order, with byte offsets into `chunk`. `isZero` decides a block (a faster native compare may be
 * passed in Node).
 */
export function forEachDataRun(chunk: Uint8Array, blockSize: number, onRun: (start: number, end: number) => void, isZero: (block: Uint8Array) => boolean = isAllZero): void {
  let runStart = -1;
  for (let start = 0; start < chunk.byteLength; start += blockSize) {
    const end = Math.min(start + blockSize, chunk.byteLength);
    // Data blocks almost always show a nonzero byte at once: only the rest need the whole test.
    const zero = !startsWithData(chunk, start, end) && isZero(chunk.subarray(start, end));
    if (!zero && runStart < 0) runStart = start;
    if (zero && runStart >= 0) {
      onRun(runStart, start);
      runStart = -1;
    }
  }
  if (runStart >= 0) onRun(runStart, chunk.byteLength);
}

/** Bytes looked at by the quick test at the start of each block. */
const QUICK_TEST_BYTES = 16;

/** True when one of the first bytes of `chunk[start, end)` is nonzero (false says nothing). */
function startsWithData(chunk: Uint8Array, start: number, end: number): boolean {
  const stop = Math.min(end, start + QUICK_TEST_BYTES);
  for (let i = start; i < stop; i++) if (chunk[i] !== 0) return true;
  return false;
}
