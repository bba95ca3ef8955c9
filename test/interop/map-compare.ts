/**
 * Comparing qedisk's `image.map()` with `qemu-img map --output=json`. Both are reduced to the
 * same three states per guest byte (data at a file offset, zero cluster, unallocated) and walked
 * together, so different merging of neighbouring runs does not matter.
 */
import type { Extent } from '../../src/node.ts';
import type { QemuMapEntry } from './qemu.ts';

/** How a guest range is stored, in a form both maps can be reduced to. */
interface Segment {
  readonly start: number;
  readonly end: number;
  readonly kind: 'data' | 'zero' | 'unallocated';
  /** File offset of `start`, for data. */
  readonly offset: number | null;
}

/**
 * QEMU's view: depth-0 data is this image's data; a depth-0 zero run that is present is a zero
 * cluster; anything served by a backing image (depth > 0) or absent is unallocated here.
 */
function fromQemu(entries: readonly QemuMapEntry[]): Segment[] {
  return entries.map((entry) => {
    const end = entry.start + entry.length;
    if (entry.depth === 0 && entry.data) return { start: entry.start, end, kind: 'data', offset: entry.offset };
    if (entry.depth === 0 && entry.present && entry.zero) return { start: entry.start, end, kind: 'zero', offset: null };
    return { start: entry.start, end, kind: 'unallocated', offset: null };
  });
}

/** qedisk's view. */
function fromQedisk(extents: readonly Extent[]): Segment[] {
  return extents.map((extent) => ({ start: extent.start, end: extent.start + extent.length, kind: extent.kind, offset: extent.offset ?? null }));
}

/** The segment covering `position`, or undefined. */
function segmentAt(segments: readonly Segment[], position: number): Segment | undefined {
  return segments.find((segment) => segment.start <= position && position < segment.end);
}

/**
 * Lists where the two maps disagree (at most `limit` descriptions; empty when they agree) over
 * guest bytes `[0, size)`.
 */
export function mapDifferences(qedisk: readonly Extent[], qemu: readonly QemuMapEntry[], size: number, limit = 5): string[] {
  const ours = fromQedisk(qedisk);
  const theirs = fromQemu(qemu);
  const cuts = new Set<number>([0, size]);
  for (const segment of [...ours, ...theirs]) cuts.add(segment.start).add(segment.end);
  const points = [...cuts].filter((point) => point <= size).sort((a, b) => a - b);
  const problems: string[] = [];
  for (let i = 0; i + 1 < points.length && problems.length < limit; i++) {
    const start = points[i]!;
    const a = segmentAt(ours, start);
    const b = segmentAt(theirs, start);
    const where = `[${start}, ${points[i + 1]!})`;
    if (!a || !b) {
      problems.push(`${where}: covered by ${a ? 'qedisk' : 'nobody in qedisk'} / ${b ? 'qemu' : 'nobody in qemu'}`);
      continue;
    }
    const offsetA = a.offset === null ? null : a.offset + (start - a.start);
    const offsetB = b.offset === null ? null : b.offset + (start - b.start);
    if (a.kind !== b.kind || (a.kind === 'data' && offsetA !== offsetB)) {
      problems.push(`${where}: qedisk ${a.kind}${offsetA === null ? '' : `@${offsetA}`}, qemu ${b.kind}${offsetB === null ? '' : `@${offsetB}`}`);
    }
  }
  return problems;
}
