/**
 * Writing guest bytes. Allocated clusters are written in place; each run of unallocated or zero
 * clusters gets one contiguous extent at the end of the file, filled and then referenced (over a
 * backing image, by a group commit: a flush, then the table updates of several writes).
 *
 * Every request is restartable: when it throws `BackingDataPendingError` (an HTTP base lacks the
 * bytes a copy-on-write fill needs), the worker fetches them and runs the whole request again.
 * That is safe because each allocation reads its fills before it changes anything, and what a
 * request finished before the error (earlier table chunks) is done again the same way: the same
 * bytes written in place.
 */
import { L2_ENTRY_UNALLOCATED, L2_ENTRY_ZERO } from '../qed/constants.ts';
import { l2IndexOf } from '../qed/geometry.ts';
import type { L2Table } from './l2-table.ts';
import { ClusterState, classifyEntry, forEachTableChunk } from './cluster-state.ts';
import type { ImageState } from './image-state.ts';
import { writeFully } from './sync-file.ts';

/** Allocating writes up to this many bytes are assembled and written with one file call. */
const ASSEMBLE_LIMIT_BYTES = 1024 * 1024;
/** A shared all-zero buffer; never written to. */
const ZEROES = new Uint8Array(ASSEMBLE_LIMIT_BYTES);

/** Writes `data` at guest `offset` (the range is inside the disk). */
export function writeRange(state: ImageState, data: Uint8Array, offset: number): void {
  forEachTableChunk(state.geometry, offset, data.byteLength, (l1Index, start, end, done) => {
    writeChunk(state, l1Index, data.subarray(done, done + (end - start)), start);
  });
}

/** Writes zero bytes over guest `[offset, offset + length)` as ordinary data. */
export function writeZeroData(state: ImageState, offset: number, length: number): void {
  for (let done = 0; done < length; ) {
    const step = Math.min(length - done, ZEROES.byteLength);
    writeRange(state, ZEROES.subarray(0, step), offset + done);
    done += step;
  }
}

/**
 * Makes the whole clusters of guest `[start, end)` (inside one L2 table) read as zeros: data
 * clusters are zeroed in place, unallocated ones become zero clusters (entry 1).
 */
export function zeroClusters(state: ImageState, l1Index: number, start: number, end: number): void {
  const { geometry } = state;
  const cs = geometry.clusterSize;
  let table = state.tableFor(l1Index);
  let index = l2IndexOf(geometry, start);
  const lastIndex = index + Math.ceil((end - start) / cs);
  while (index < lastIndex) {
    const entry = table ? table.get(index) : L2_ENTRY_UNALLOCATED;
    const kind = classifyEntry(geometry, entry, state.fileEnd);
    let count = 1;
    if (kind === ClusterState.Data) {
      while (index + count < lastIndex && table?.get(index + count) === entry + count * cs) count++;
      for (let done = 0; done < count * cs; done += ZEROES.byteLength) {
        writeFully(state.file, ZEROES.subarray(0, Math.min(ZEROES.byteLength, count * cs - done)), entry + done);
      }
    } else if (entry !== L2_ENTRY_ZERO) {
      while (index + count < lastIndex && needsZeroMarker(state, table, index + count)) count++;
      if (countReferences(table, index, count) > 0) state.allocatedClusters = null;
      table = state.setEntries(l1Index, table, index, count, L2_ENTRY_ZERO, 0);
    }
    index += count;
  }
}

/**
 * Drops the data clusters among the whole clusters of guest `[start, end)` (inside one L2
 * table): their entries become 1 over a backing image (so the backing data stays hidden) or 0
 * without one; both read as zeros. Only existing table sectors are rewritten, with no flush: an
 * entry is its old or its new value after a crash, and both are valid. Nothing is read from the
 * backing image, so this never throws `BackingDataPendingError`.
 */
export function discardClusters(state: ImageState, l1Index: number, start: number, end: number): void {
  const { geometry } = state;
  const table = state.tableFor(l1Index);
  if (!table) return;
  const marker = state.backing ? L2_ENTRY_ZERO : L2_ENTRY_UNALLOCATED;
  const lastIndex = l2IndexOf(geometry, start) + Math.ceil((end - start) / geometry.clusterSize);
  for (let index = l2IndexOf(geometry, start); index < lastIndex; ) {
    let count = 0;
    while (index + count < lastIndex && classifyEntry(geometry, table.get(index + count), state.fileEnd) === ClusterState.Data) count++;
    if (count > 0) {
      state.setEntries(l1Index, table, index, count, marker, 0);
      if (state.allocatedClusters !== null) state.allocatedClusters -= count;
    }
    index += Math.max(count, 1);
  }
}

/** True when the cluster at `index` is not yet a zero cluster and holds no data. */
function needsZeroMarker(state: ImageState, table: L2Table | null, index: number): boolean {
  const entry = table ? table.get(index) : L2_ENTRY_UNALLOCATED;
  return entry !== L2_ENTRY_ZERO && classifyEntry(state.geometry, entry, state.fileEnd) !== ClusterState.Data;
}

/** Writes one piece of a request that lies inside one L2 table. */
function writeChunk(state: ImageState, l1Index: number, data: Uint8Array, start: number): void {
  const { geometry } = state;
  const cs = geometry.clusterSize;
  const end = start + data.byteLength;
  let table = state.tableFor(l1Index);
  let position = start;
  let index = l2IndexOf(geometry, start);
  while (position < end) {
    const entry = table ? table.get(index) : L2_ENTRY_UNALLOCATED;
    const isData = classifyEntry(geometry, entry, state.fileEnd) === ClusterState.Data;
    let runEnd = Math.min(end, position - (position % cs) + cs);
    let count = 1;
    while (runEnd < end) {
      const following = table ? table.get(index + count) : L2_ENTRY_UNALLOCATED;
      const followingIsData = classifyEntry(geometry, following, state.fileEnd) === ClusterState.Data;
      if (followingIsData !== isData || (isData && following !== entry + count * cs)) break;
      runEnd = Math.min(end, runEnd + cs);
      count++;
    }
    const piece = data.subarray(position - start, runEnd - start);
    if (isData) writeFully(state.file, piece, entry + (position % cs));
    else table = allocateAndWrite(state, l1Index, table, index, count, piece, position);
    position = runEnd;
    index += count;
  }
}

/**
 * Gives `count` clusters from L2 index `index` a new extent holding `piece` (at guest `start`)
 * with the rest of the first and last cluster filled from what they read as before, then points
 * the entries at it. Returns the (possibly new) L2 table.
 */
function allocateAndWrite(state: ImageState, l1Index: number, table: L2Table | null, index: number, count: number, piece: Uint8Array, start: number): L2Table {
  const cs = state.geometry.clusterSize;
  const clusterStart = start - (start % cs);
  const extentBytes = count * cs;
  const headBytes = start - clusterStart;
  const tailBytes = extentBytes - headBytes - piece.byteLength;
  // Restartable: every backing read (the only source of BackingDataPendingError) happens here,
  // before this allocation changes anything, so a request can be run again from its start.
  const assemble = extentBytes <= ASSEMBLE_LIMIT_BYTES && extentBytes !== piece.byteLength;
  const buffer = state.scratch(assemble ? extentBytes : headBytes + tailBytes);
  const head = buffer.subarray(0, headBytes);
  const tail = assemble ? buffer.subarray(extentBytes - tailBytes) : buffer.subarray(headBytes, headBytes + tailBytes);
  if (headBytes > 0) fillAsBefore(state, table, index, head, clusterStart);
  if (tailBytes > 0) fillAsBefore(state, table, index + count - 1, tail, start + piece.byteLength);
  // Without a backing file the table update below may reach the disk before the data (there is
  // no flush between them). A crash then leaves entries naming clusters that were never written:
  // they read as zeros, as the unallocated clusters did, so no guest data is wrong, but the image
  // is inconsistent; the need-check bit, on disk before any such update, makes the next
  // read-write open repair it. With a backing file that order is not allowed at all (see the flush
  // below), so the bit is not needed there, as in QEMU.
  if (!state.backing) state.ensureNeedCheck();
  const extent = state.reserve(count);
  try {
    if (assemble) {
      buffer.set(piece, headBytes);
      writeFully(state.file, buffer, extent);
    } else {
      if (headBytes > 0) writeFully(state.file, head, extent);
      writeFully(state.file, piece, extent + headBytes);
      if (tailBytes > 0) writeFully(state.file, tail, extent + headBytes + piece.byteLength);
    }
  } catch (error) {
    state.fileEnd = extent; // nothing references the extent yet: give it back
    throw error;
  }
  // With a backing file, an entry that reached the disk before its data would show zeros where the
  // guest saw backing data before. So the entries of an existing table wait for a group commit
  // (one flush for the data of several writes, then their table sectors; pending-tables.ts), and
  // a new table is flushed, with this data, before the L1 entry names it.
  const replaced = countReferences(table, index, count);
  const updated = state.setEntries(l1Index, table, index, count, extent, cs, state.backing !== null);
  state.io.clustersAllocated += count;
  if (state.allocatedClusters !== null) state.allocatedClusters += count - replaced;
  return updated;
}

/** Fills `target` (part of cluster `index`, at guest `offset`) with what that cluster reads as now. */
function fillAsBefore(state: ImageState, table: L2Table | null, index: number, target: Uint8Array, offset: number): void {
  const entry = table ? table.get(index) : L2_ENTRY_UNALLOCATED;
  if (entry === L2_ENTRY_UNALLOCATED) state.readUnallocated(target, offset);
  else target.fill(0);
}

/** Entries among `count` from `index` that already count as allocated (offsets past the file's end). */
function countReferences(table: L2Table | null, index: number, count: number): number {
  if (!table) return 0;
  let references = 0;
  for (let i = index; i < index + count; i++) {
    const entry = table.get(i);
    if (entry !== L2_ENTRY_UNALLOCATED && entry !== L2_ENTRY_ZERO) references++;
  }
  return references;
}
