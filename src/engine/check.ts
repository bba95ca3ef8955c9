/**
 * The consistency check, with QEMU's classification (invalid entries and shared clusters are
 * corruptions, unreferenced clusters are leaks) but an exact cluster count, so a clean image
 * never reports QEMU's phantom leaks.
 */
import { type Geometry, isValidClusterOffset, isValidTableOffset, roundDownToCluster } from '../qed/geometry.ts';
import { L2_ENTRY_UNALLOCATED, L2_ENTRY_ZERO } from '../qed/constants.ts';
import { Table } from '../qed/table.ts';
import type { CheckReport } from './types.ts';
import { type SyncFile, readFully, writeFully } from './sync-file.ts';

/** What the checker needs of an image. */
export interface CheckSubject {
  readonly file: SyncFile;
  readonly geometry: Geometry;
  /** File offset of the L1 table. */
  readonly l1Offset: number;
  /** The in-memory L1 table; repaired in place when `repair` is set. */
  readonly l1: Table;
  /** Virtual size in bytes. */
  readonly imageSize: number;
}

/** One bit per cluster of the file, recording which clusters something references. */
class ClusterBitmap {
  readonly #bits: Uint8Array;
  readonly #clusterSize: number;
  /** Clusters in the file (rounded down). */
  readonly count: number;

  constructor(fileEnd: number, clusterSize: number) {
    this.count = fileEnd / clusterSize;
    this.#clusterSize = clusterSize;
    this.#bits = new Uint8Array(Math.ceil(this.count / 8));
  }

  /** Marks `clusters` clusters from file offset `offset`; returns how many were already marked. */
  mark(offset: number, clusters: number): number {
    let clashes = 0;
    const first = offset / this.#clusterSize;
    for (let n = first; n < first + clusters; n++) {
      const mask = 1 << (n & 7);
      const byte = this.#bits[n >> 3] ?? 0;
      if (byte & mask) clashes++;
      else this.#bits[n >> 3] = byte | mask;
    }
    return clashes;
  }

  /** Index of the last marked cluster, or -1 when none is marked. */
  lastMarked(): number {
    for (let byte = this.#bits.length - 1; byte >= 0; byte--) {
      const bits = this.#bits[byte] ?? 0;
      if (bits !== 0) return byte * 8 + 31 - Math.clz32(bits);
    }
    return -1;
  }

  /** Clusters from `first` to the end that are not marked. */
  countUnmarked(first: number): number {
    let unmarked = 0;
    for (let n = first; n < this.count; n++) if (((this.#bits[n >> 3] ?? 0) & (1 << (n & 7))) === 0) unmarked++;
    return unmarked;
  }
}

/**
 * Checks the image's metadata; with `repair`, sets invalid L1 and L2 entries to 0 and writes the
 * changed tables back (whole tables, L2 before L1), then cuts unreferenced clusters off the end
 * of the file (`leaksFixed`). Table read failures count as check errors rather than throwing.
 * The returned counts describe this pass.
 */
export function checkImage(subject: CheckSubject, repair: boolean): CheckReport {
  const { file, geometry, l1 } = subject;
  const { clusterSize, tableSize, tableBytes } = geometry;
  const physicalSize = file.getSize();
  const fileEnd = roundDownToCluster(geometry, physicalSize);
  const used = new ClusterBitmap(fileEnd, clusterSize);
  const report: CheckReport = {
    corruptions: 0,
    corruptionsFixed: 0,
    leaks: 0,
    leaksFixed: 0,
    checkErrors: 0,
    allocatedClusters: 0,
    fragmentedClusters: 0,
    totalClusters: Math.ceil(subject.imageSize / clusterSize),
    imageEndOffset: physicalSize,
  };
  if (isValidTableOffset(geometry, subject.l1Offset, fileEnd)) used.mark(subject.l1Offset, tableSize);
  let l1Changed = false;
  for (let i = 0; i < l1.entryCount; i++) {
    const l2Offset = l1.get(i);
    if (l2Offset === L2_ENTRY_UNALLOCATED) continue;
    if (!isValidTableOffset(geometry, l2Offset, fileEnd)) {
      if (repair) {
        l1.set(i, 0);
        l1Changed = true;
        report.corruptionsFixed++;
      } else report.corruptions++;
      continue;
    }
    const clashes = used.mark(l2Offset, tableSize);
    if (clashes > 0) {
      report.corruptions += clashes;
      continue;
    }
    const table = Table.empty(tableBytes);
    try {
      readFully(file, table.bytes, l2Offset);
    } catch {
      report.checkErrors++;
      continue;
    }
    if (checkL2Table(table, geometry, fileEnd, used, report, repair)) writeFully(file, table.bytes, l2Offset);
  }
  if (l1Changed) writeFully(file, l1.bytes, subject.l1Offset);
  if (report.checkErrors === 0) report.leaks = used.countUnmarked(geometry.headerClusters);
  // Only when every table was read and nothing is shared (a skipped table's references are
  // unknown): then no reference lies past the last marked cluster.
  if (repair && report.checkErrors === 0 && report.corruptions === 0) cutTrailingLeaks(subject, used, physicalSize, report);
  return report;
}

/**
 * Truncates the file after its last referenced cluster (never into the header area): QED's
 * allocation pointer is the file's length, so nothing can name what lies past it. The repaired
 * tables are flushed first, so the file never shrinks under an entry that still points there.
 */
function cutTrailingLeaks(subject: CheckSubject, used: ClusterBitmap, physicalSize: number, report: CheckReport): void {
  const { file, geometry } = subject;
  const usedEnd = Math.max(geometry.headerClusters, used.lastMarked() + 1) * geometry.clusterSize;
  if (usedEnd >= physicalSize) return;
  file.flush();
  file.truncate(usedEnd);
  file.flush();
  report.leaksFixed = used.count - usedEnd / geometry.clusterSize;
  report.leaks -= report.leaksFixed;
  report.imageEndOffset = usedEnd;
}

/** Checks one L2 table's entries, updating `report`; returns true when `repair` changed any. */
function checkL2Table(table: Table, geometry: Geometry, fileEnd: number, used: ClusterBitmap, report: CheckReport, repair: boolean): boolean {
  let changed = false;
  let previous = 0;
  for (let j = 0; j < table.entryCount; j++) {
    const entry = table.get(j);
    if (entry === L2_ENTRY_UNALLOCATED || entry === L2_ENTRY_ZERO) continue;
    report.allocatedClusters++;
    if (previous !== 0 && entry !== previous + geometry.clusterSize) report.fragmentedClusters++;
    previous = entry;
    if (!isValidClusterOffset(geometry, entry, fileEnd)) {
      if (repair) {
        table.set(j, 0);
        changed = true;
        report.corruptionsFixed++;
      } else report.corruptions++;
      continue;
    }
    if (used.mark(entry, 1) > 0) report.corruptions++;
  }
  return changed;
}
