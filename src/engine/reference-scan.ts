/**
 * One pass over the L1 table and every readable L2 table: how many clusters hold data, and which
 * references point at or past the end of the file ("dangling": a file cut short, QEMU 7.2's
 * over-allocation, or damage). New clusters are appended at the end of the file, so a dangling
 * reference would become a cross-link the moment the file grows over it; the write path
 * neutralizes them first (see `ImageState.prepareForWrites`).
 */
import { L2_ENTRY_UNALLOCATED, L2_ENTRY_ZERO } from '../qed/constants.ts';
import { type Geometry, isBeyondEnd, isValidClusterOffset, isValidTableOffset } from '../qed/geometry.ts';
import { Table } from '../qed/table.ts';
import { type SyncFile, readFully } from './sync-file.ts';

/** What the scan needs of an open image. */
export interface ReferenceScanSubject {
  readonly file: SyncFile;
  readonly geometry: Geometry;
  /** The in-memory L1 table. */
  readonly l1: Table;
  /** The allocation pointer: the file's length rounded down to whole clusters, in bytes. */
  readonly fileEnd: number;
  /** File offset of the L1 table, in bytes. */
  readonly l1Offset: number;
}

/** What `scanReferences` finds. */
export interface ReferenceScan {
  /** L2 entries that reference data (neither 0 nor 1), dangling ones included. */
  allocatedClusters: number;
  /**
   * Well-formed L2 entries at or past `fileEnd` (they read as zeros), by L1 index: the L2
   * indices of each. Only tables that lie wholly inside the file are examined.
   */
  danglingEntries: Map<number, number[]>;
  /** L1 indices whose well-formed table offset reaches at or past `fileEnd`. */
  danglingTables: number[];
  /**
   * End of the last cluster inside the file that the header area, the L1 table, an L2 table or
   * a data entry occupies, in bytes: clusters from here to the end of the file are unreferenced.
   */
  referencedEnd: number;
  /** False when an L1 entry names no valid table (so references may have gone unseen). */
  complete: boolean;
}

/** Scans the L1 table and every readable L2 table, read whole from the file. */
export function scanReferences(subject: ReferenceScanSubject): ReferenceScan {
  const { geometry, l1, fileEnd } = subject;
  const scratch = Table.empty(geometry.tableBytes);
  const cs = geometry.clusterSize;
  const headerEnd = geometry.headerClusters * cs;
  const scan: ReferenceScan = {
    allocatedClusters: 0,
    danglingEntries: new Map(),
    danglingTables: [],
    referencedEnd: Math.max(headerEnd, Math.min(fileEnd, subject.l1Offset + geometry.tableBytes)),
    complete: true,
  };
  for (let i = 0; i < l1.entryCount; i++) {
    const tableOffset = l1.get(i);
    if (tableOffset === 0) continue;
    if (!isValidTableOffset(geometry, tableOffset, fileEnd)) {
      scan.complete = false;
      // A table that starts or ends past the end of the file: growing the file would give its
      // clusters to new data while the L1 entry still names them as a table.
      if (isBeyondEnd(geometry, tableOffset, fileEnd) || isBeyondEnd(geometry, tableOffset + geometry.tableBytes - geometry.clusterSize, fileEnd)) {
        scan.danglingTables.push(i);
      }
      continue;
    }
    // Callers commit waiting table writes first, so the file holds every table as it is now.
    readFully(subject.file, scratch.bytes, tableOffset);
    const table = scratch;
    scan.referencedEnd = Math.max(scan.referencedEnd, tableOffset + geometry.tableBytes);
    let dangling: number[] | undefined;
    for (let j = 0; j < table.entryCount; j++) {
      const entry = table.get(j);
      if (entry === L2_ENTRY_UNALLOCATED || entry === L2_ENTRY_ZERO) continue;
      scan.allocatedClusters++;
      if (isValidClusterOffset(geometry, entry, fileEnd)) scan.referencedEnd = Math.max(scan.referencedEnd, entry + cs);
      if (!isBeyondEnd(geometry, entry, fileEnd)) continue;
      dangling ??= [];
      dangling.push(j);
    }
    if (dangling) scan.danglingEntries.set(i, dangling);
  }
  return scan;
}
