/** Small pure helpers over chunk runs (`ChunkRange`): merging, and taking a bounded prefix. */
import type { ChunkRange } from './backing-pending-error.ts';

/** `ranges` sorted, with overlapping and adjacent runs merged; empty runs dropped. New objects. */
export function mergeChunkRanges(ranges: readonly ChunkRange[]): ChunkRange[] {
  const sorted = ranges.filter(({ count }) => count > 0).sort((a, b) => a.first - b.first);
  const merged: Array<{ first: number; count: number }> = [];
  for (const { first, count } of sorted) {
    const last = merged[merged.length - 1];
    if (last && first <= last.first + last.count) last.count = Math.max(last.count, first + count - last.first);
    else merged.push({ first, count });
  }
  return merged;
}

/** The first runs of `ranges` covering at most `limit` chunks (the last one cut to fit). */
export function takeChunks(ranges: readonly ChunkRange[], limit: number): ChunkRange[] {
  const taken: ChunkRange[] = [];
  let left = limit;
  for (const { first, count } of ranges) {
    if (left <= 0) break;
    taken.push({ first, count: Math.min(count, left) });
    left -= Math.min(count, left);
  }
  return taken;
}
