/**
 * One pass over every L2 table: how many clusters hold data, and where the highest reference
 * ends. The allocator starts past that end, so an image whose file was cut short (entries past
 * its end, QEMU 7.2 defect 7) never gets new data cross-linked onto an old reference.
 */
import { L2_ENTRY_UNALLOCATED, L2_ENTRY_ZERO } from '../qed/constants.ts';
import { isValidTableOffset } from '../qed/geometry.ts';
import { Table } from '../qed/table.ts';
import type { ImageState } from './image-state.ts';
import { readFully } from './sync-file.ts';

/** What `scanReferences` finds. */
export interface ReferenceScan {
  /** L2 entries that reference data (neither 0 nor 1). */
  allocatedClusters: number;
  /** End, in bytes, of the highest well-formed cluster or table reference (0 when none). */
  highestReferenceEnd: number;
}

/** Scans the L1 table and every readable L2 table, reading tables the cache lacks directly. */
export function scanReferences(state: ImageState): ReferenceScan {
  const { geometry, l1 } = state;
  const { clusterSize, tableBytes } = geometry;
  const headerEnd = geometry.headerClusters * clusterSize;
  const wellFormed = (offset: number): boolean => Number.isFinite(offset) && offset % clusterSize === 0 && offset >= headerEnd;
  const scratch = Table.empty(tableBytes);
  let allocatedClusters = 0;
  let highestReferenceEnd = 0;
  for (let i = 0; i < l1.entryCount; i++) {
    const tableOffset = l1.get(i);
    if (tableOffset === 0 || !wellFormed(tableOffset)) continue;
    highestReferenceEnd = Math.max(highestReferenceEnd, tableOffset + tableBytes);
    if (!isValidTableOffset(geometry, tableOffset, state.fileEnd)) continue;
    let table = state.cache.get(tableOffset);
    if (!table) {
      readFully(state.file, scratch.bytes, tableOffset);
      table = scratch;
    }
    for (let j = 0; j < table.entryCount; j++) {
      const entry = table.get(j);
      if (entry === L2_ENTRY_UNALLOCATED || entry === L2_ENTRY_ZERO) continue;
      allocatedClusters++;
      if (wellFormed(entry)) highestReferenceEnd = Math.max(highestReferenceEnd, entry + clusterSize);
    }
  }
  return { allocatedClusters, highestReferenceEnd };
}
