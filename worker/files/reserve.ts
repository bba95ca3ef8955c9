/**
 * Reserving, before a file-system write operation commits, the storage its metadata writes will
 * need. A QED disk grows when a write lands in a cluster its overlay does not hold yet; the
 * storage quota can run out right then. If that happened between two metadata writes of a file
 * system operation, the file system would be left half-updated. So, from a dry run's write list:
 *
 * - every cluster a metadata write touches that the overlay does not hold as data yet is
 *   rewritten now with the bytes it reads as (its base's, or zeros): the file system reads the
 *   same, the overlay now holds the cluster, and the real run writes it in place without growing;
 * - clusters only file data goes to are left alone: file data is written first, into blocks
 *   nothing points to yet, so running out of space there leaves the file system as it was;
 * - with a backing image, the first and last cluster of each file-data write are read once, so
 *   the data an HTTP base supplies for their copy-on-write fill is cached before the commit.
 *
 * A quota error while reserving leaves the file system unchanged (only identical bytes were
 * written), and the operation never started.
 */
import type { Extent } from '../../src/engine/types.ts';
import type { RecordedWrite } from './dry-run-device.ts';

/** Runs a synchronous engine action, fetching missing HTTP base data and running it again as needed. */
export type EngineRunner = <T>(action: () => T) => Promise<T>;

/** What reserving needs of the image (a `QedImage` fits). */
export interface ReservableImage {
  /** Virtual size in bytes. */
  readonly size: number;
  /** Bytes per cluster and whether there is a backing image. */
  readonly geometry: { readonly clusterSize: number };
  /** The backing name, or null. */
  readonly backingName: string | null;
  /** The storage state of the disk as runs. */
  map(): Extent[];
  /** Fills `target` with the bytes at `offset`. */
  readInto(offset: number, target: Uint8Array): void;
  /** Writes `data` at `offset`. */
  write(offset: number, data: Uint8Array): void;
}

/** Largest single rewrite while reserving, in bytes. */
const REWRITE_STEP_BYTES = 1024 * 1024;

/** What `reserveForWrites` did, for tests and statistics. */
export interface ReserveReport {
  /** Bytes rewritten in place so the overlay holds them. */
  rewrittenBytes: number;
  /** Bytes of clusters read to warm a backing cache. */
  warmedBytes: number;
}

/** Reserves what `writes` (a dry run's list, device offsets in bytes) need on `image`; see the module comment. */
export async function reserveForWrites(image: ReservableImage, writes: readonly RecordedWrite[], run: EngineRunner): Promise<ReserveReport> {
  const cs = image.geometry.clusterSize;
  const metadataClusters = clusterRuns(writes.filter((write) => !write.fileData), cs, image.size);
  const report: ReserveReport = { rewrittenBytes: 0, warmedBytes: 0 };
  if (metadataClusters.length > 0) {
    const held = await run(() => dataRuns(image.map()));
    for (const [start, end] of subtractRuns(metadataClusters, held)) {
      for (let at = start; at < end; at += REWRITE_STEP_BYTES) {
        const length = Math.min(REWRITE_STEP_BYTES, end - at);
        const bytes = new Uint8Array(length);
        await run(() => image.readInto(at, bytes));
        await run(() => image.write(at, bytes));
        report.rewrittenBytes += length;
      }
    }
  }
  if (image.backingName !== null) {
    const edges = new Set<number>();
    for (const write of writes) {
      if (!write.fileData || write.length === 0) continue;
      if (write.offset % cs !== 0) edges.add(write.offset - (write.offset % cs));
      const end = write.offset + write.length;
      if (end % cs !== 0) edges.add(end - (end % cs));
    }
    const scratch = new Uint8Array(cs);
    for (const start of [...edges].sort((a, b) => a - b)) {
      const view = scratch.subarray(0, Math.min(cs, image.size - start));
      await run(() => image.readInto(start, view));
      report.warmedBytes += view.byteLength;
    }
  }
  return report;
}

/** The clusters `writes` touch, as sorted, merged `[start, end)` byte runs clipped to `size`. */
export function clusterRuns(writes: readonly { offset: number; length: number }[], clusterSize: number, size: number): Array<[number, number]> {
  const runs = writes
    .filter((write) => write.length > 0)
    .map((write): [number, number] => [write.offset - (write.offset % clusterSize), Math.min(size, Math.ceil((write.offset + write.length) / clusterSize) * clusterSize)])
    .sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [start, end] of runs) {
    const last = merged[merged.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/** The `data` runs of a map, as sorted `[start, end)` byte runs. */
function dataRuns(extents: readonly Extent[]): Array<[number, number]> {
  return extents.filter((extent) => extent.kind === 'data').map((extent): [number, number] => [extent.start, extent.start + extent.length]);
}

/** `runs` without the bytes of `remove` (both sorted and merged). */
export function subtractRuns(runs: ReadonlyArray<readonly [number, number]>, remove: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  const result: Array<[number, number]> = [];
  let r = 0;
  for (const [runStart, runEnd] of runs) {
    let start = runStart;
    while (r < remove.length && (remove[r]?.[1] ?? 0) <= start) r++;
    for (let i = r; i < remove.length && start < runEnd; i++) {
      const [removeStart, removeEnd] = remove[i] ?? [0, 0];
      if (removeStart >= runEnd) break;
      if (removeStart > start) result.push([start, Math.min(removeStart, runEnd)]);
      start = Math.max(start, removeEnd);
    }
    if (start < runEnd) result.push([start, runEnd]);
  }
  return result;
}
