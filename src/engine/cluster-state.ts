/** Classifying L2 entries for the data paths, and splitting requests at L2 table boundaries. */
import { L2_ENTRY_UNALLOCATED, L2_ENTRY_ZERO } from '../qed/constants.ts';
import { QedCorruptionError } from '../qed/errors.ts';
import { type Geometry, isBeyondEnd, isValidClusterOffset } from '../qed/geometry.ts';

/** How a cluster reads. */
export const enum ClusterState {
  /** Entry 0: reads from the backing image, or zeros. */
  Unallocated = 0,
  /** Entry 1, or a well-formed data offset past the end of the file: reads as zeros. */
  Zero = 1,
  /** A valid data cluster in the file. */
  Data = 2,
}

/**
 * Classifies an L2 entry. A well-formed offset at or past `fileEnd` reads as zeros, as QEMU
 * reads such clusters inside a run (and as its own over-allocation leaves them). Throws
 * `QedCorruptionError` for a misaligned entry or one inside the header area.
 */
export function classifyEntry(geometry: Geometry, entry: number, fileEnd: number): ClusterState {
  if (entry === L2_ENTRY_UNALLOCATED) return ClusterState.Unallocated;
  if (entry === L2_ENTRY_ZERO) return ClusterState.Zero;
  if (isValidClusterOffset(geometry, entry, fileEnd)) return ClusterState.Data;
  if (isBeyondEnd(geometry, entry, fileEnd)) return ClusterState.Zero;
  throw new QedCorruptionError(`L2 entry 0x${entry.toString(16)} is not a valid cluster offset (misaligned or inside the header)`);
}

/** Receives one L2-table-sized piece of a request: guest `[start, end)`, `done` bytes into it. */
export type ChunkVisitor = (l1Index: number, start: number, end: number, done: number) => void;

/** Splits guest `[offset, offset + length)` at L2 table boundaries and visits each piece in order. */
export function forEachTableChunk(geometry: Geometry, offset: number, length: number, visit: ChunkVisitor): void {
  const end = offset + length;
  let position = offset;
  while (position < end) {
    const l1Index = Math.floor(position / geometry.bytesPerL2Table);
    const chunkEnd = Math.min(end, (l1Index + 1) * geometry.bytesPerL2Table);
    visit(l1Index, position, chunkEnd, position - offset);
    position = chunkEnd;
  }
}
