/** Half-open byte ranges of a virtual disk, and widening them to whole blocks. */

/** A half-open byte range `[start, end)` of the virtual disk. */
export interface DataRange {
  /** First byte of the range. */
  start: number;
  /** Byte after the last one of the range. */
  end: number;
}

/**
 * Widens `ranges` (in order, disjoint) to whole blocks of `blockSize` (clipped to `size`),
 * merging any that touch, so every block is examined whole and at most once.
 */
export function alignRanges(ranges: readonly DataRange[], blockSize: number, size: number): DataRange[] {
  const aligned: DataRange[] = [];
  for (const range of ranges) {
    const start = Math.floor(range.start / blockSize) * blockSize;
    const end = Math.min(size, Math.ceil(range.end / blockSize) * blockSize);
    const last = aligned[aligned.length - 1];
    if (last && start <= last.end) last.end = Math.max(last.end, end);
    else if (end > start) aligned.push({ start, end });
  }
  return aligned;
}
