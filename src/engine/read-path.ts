/** Reading guest bytes: runs of contiguous clusters are read with one file call each. */
import { l2IndexOf } from '../qed/geometry.ts';
import type { L2Table } from './l2-table.ts';
import { ClusterState, classifyEntry, forEachTableChunk } from './cluster-state.ts';
import type { ImageState } from './image-state.ts';
import { readFully } from './sync-file.ts';

/** Fills `target` with the guest bytes at `offset` (the range is inside the disk). */
export function readRange(state: ImageState, target: Uint8Array, offset: number): void {
  forEachTableChunk(state.geometry, offset, target.byteLength, (l1Index, start, end, done) => {
    const piece = target.subarray(done, done + (end - start));
    const table = state.tableFor(l1Index);
    if (table) readFromTable(state, table, piece, start);
    else state.readUnallocated(piece, start);
  });
}

/** Reads `target.byteLength` bytes at guest `start`, all mapped by `table`. */
function readFromTable(state: ImageState, table: L2Table, target: Uint8Array, start: number): void {
  const { geometry, fileEnd } = state;
  const cs = geometry.clusterSize;
  const end = start + target.byteLength;
  let position = start;
  let index = l2IndexOf(geometry, start);
  while (position < end) {
    const entry = table.get(index);
    const kind = classifyEntry(geometry, entry, fileEnd);
    let runEnd = Math.min(end, position - (position % cs) + cs);
    let next = index + 1;
    let expected = entry + cs;
    while (runEnd < end) {
      const following = table.get(next);
      if (classifyEntry(geometry, following, fileEnd) !== kind || (kind === ClusterState.Data && following !== expected)) break;
      runEnd = Math.min(end, runEnd + cs);
      next++;
      expected += cs;
    }
    const piece = target.subarray(position - start, runEnd - start);
    if (kind === ClusterState.Data) readFully(state.file, piece, entry + (position % cs));
    else if (kind === ClusterState.Zero) piece.fill(0);
    else state.readUnallocated(piece, position);
    position = runEnd;
    index = next;
  }
}
