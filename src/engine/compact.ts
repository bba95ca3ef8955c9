/**
 * Compaction: rewriting a QED file into a new one that holds only what the guest can see. Data
 * clusters nothing references (leaks: a crash between a data write and its table update,
 * discarded clusters) are not carried over; data clusters that hold only zeros become zero
 * clusters (entry 1) over a backing image, where the backing data must stay hidden, and
 * unallocated ones (entry 0) without one. Everything else, the header area with its backing
 * name included, keeps its meaning, so images that use this one as their backing file read the
 * same. The layout is canonical: header area, L1 table, then per L2 table its data clusters in
 * guest order followed by the table, so `qemu-img check` finds nothing fragmented.
 *
 * The source is only read and its backing file is never opened. The target is a new file that
 * the caller renames over the source once this returns: it is complete, checked and flushed
 * then, so a crash leaves either the old image or the new one, never a mix.
 */
import { FEATURE_NEED_CHECK, HEADER_STRUCT_SIZE_BYTES, L2_ENTRY_UNALLOCATED, L2_ENTRY_ZERO } from '../qed/constants.ts';
import { QedCorruptionError } from '../qed/errors.ts';
import { encodeHeader } from '../qed/header.ts';
import { Table } from '../qed/table.ts';
import { type BareImage, openBareImage } from './bare-image.ts';
import { checkImage } from './check.ts';
import { QedCompactionError } from './compact-errors.ts';
import { type SyncFile, readFully, writeFully } from './sync-file.ts';
import type { CompactOptions, CompactProgress, CompactReport } from './types.ts';
import { AppendWriter } from './append-writer.ts';
import { isAllZero } from './zero-runs.ts';

/** Data clusters are read in runs of up to this many bytes (at least one cluster). */
const RUN_LIMIT_BYTES = 1024 * 1024;

/**
 * Writes a compacted copy of the QED image in `source` into `target` (truncated first), flushes
 * it and reports what changed. Both files stay the caller's (neither is closed). Throws
 * `QedCorruptionError` when `source` has corruptions or unreadable tables (repair it first),
 * `QedCompactionError` for unknown compatible feature bits, and whatever the files throw
 * (`QedIoError`, `QedQuotaError`); `target` then holds garbage for the caller to delete.
 */
export function compactImageFile(source: SyncFile, target: SyncFile, options: CompactOptions = {}): CompactReport {
  const steps = compactImageSteps(source, target);
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done) return step.value;
    options.onProgress?.(step.value.done, step.value.total);
  }
}

/**
 * `compactImageFile` in steps: the generator yields progress after every run of at most 1 MiB
 * of data (so a caller can yield to its event loop, or stop: `return()` leaves `target`
 * incomplete, for the caller to delete) and returns the report.
 */
export function* compactImageSteps(source: SyncFile, target: SyncFile): Generator<CompactProgress, CompactReport, void> {
  const image = openBareImage(source);
  const { header, geometry } = image;
  if (header.compatFeatures !== 0n) {
    throw new QedCompactionError(`the image has compatible feature bits 0x${header.compatFeatures.toString(16)} qedisk does not know: their data cannot be carried over`);
  }
  const check = checkImage(image, false);
  if (check.corruptions > 0 || check.checkErrors > 0) {
    throw new QedCorruptionError(`the image has ${check.corruptions} corruptions and ${check.checkErrors} unreadable tables: repair it before compacting (qedisk check --repair)`);
  }
  const cs = geometry.clusterSize;
  const l1Offset = Math.max(1, geometry.headerClusters) * cs;
  target.truncate(0);
  copyHeaderArea(source, target, geometry.headerClusters * cs);
  const writer = new AppendWriter(target, l1Offset + geometry.tableBytes, Math.max(cs, RUN_LIMIT_BYTES));
  const report: CompactReport = { bytesBefore: source.getSize(), bytesAfter: 0, dataClusters: 0, zeroClustersDropped: 0, leakedClustersDropped: check.leaks, tables: 0 };
  const progress: CompactProgress = { done: 0, total: check.allocatedClusters * cs };
  const l1 = Table.empty(geometry.tableBytes);
  const from = Table.empty(geometry.tableBytes);
  for (let l1Index = 0; l1Index < image.l1.entryCount; l1Index++) {
    const tableOffset = image.l1.get(l1Index);
    if (tableOffset === L2_ENTRY_UNALLOCATED) continue;
    readFully(source, from.bytes, tableOffset);
    const to = Table.empty(geometry.tableBytes);
    const entries = yield* copyTable(image, from, to, writer, report, progress);
    if (entries > 0) {
      // Invariant: a table is appended after every data cluster it names.
      l1.set(l1Index, writer.append(to.bytes));
      report.tables++;
    }
  }
  writer.finish();
  writeFully(target, l1.bytes, l1Offset);
  const fresh = { ...header, features: header.features & ~FEATURE_NEED_CHECK, autoclearFeatures: 0n, l1TableOffset: l1Offset };
  writeFully(target, encodeHeader(fresh).subarray(0, HEADER_STRUCT_SIZE_BYTES), 0);
  target.flush();
  report.bytesAfter = target.getSize();
  assertCompacted(target, report, geometry.headerClusters === 0 ? 1 : 0);
  return report;
}

/** Copies the header area (the struct and the backing name after it) in steps of at most 1 MiB. */
function copyHeaderArea(source: SyncFile, target: SyncFile, bytes: number): void {
  const buffer = new Uint8Array(Math.min(Math.max(bytes, HEADER_STRUCT_SIZE_BYTES), RUN_LIMIT_BYTES));
  for (let at = 0; at < Math.max(bytes, HEADER_STRUCT_SIZE_BYTES); at += buffer.byteLength) {
    const piece = buffer.subarray(0, Math.min(buffer.byteLength, Math.max(bytes, HEADER_STRUCT_SIZE_BYTES) - at));
    readFully(source, piece, at);
    writeFully(target, piece, at);
  }
}

/**
 * Fills table `to` from table `from`: data clusters are copied through `writer` (all-zero ones
 * become zero markers), zero clusters keep their meaning. Yields `progress` after each run of
 * data clusters; returns the entries of `to` that are not 0.
 */
function* copyTable(image: BareImage, from: Table, to: Table, writer: AppendWriter, report: CompactReport, progress: CompactProgress): Generator<CompactProgress, number, void> {
  const cs = image.geometry.clusterSize;
  // Over a backing image a zero must stay an explicit zero cluster; without one, unallocated reads as zeros too.
  const zeroMarker = image.hasBacking ? L2_ENTRY_ZERO : L2_ENTRY_UNALLOCATED;
  const runLimit = Math.max(1, Math.floor(RUN_LIMIT_BYTES / cs));
  const run = new Uint8Array(runLimit * cs);
  let entries = 0;
  for (let index = 0; index < from.entryCount; ) {
    const entry = from.get(index);
    if (entry === L2_ENTRY_UNALLOCATED || entry === L2_ENTRY_ZERO) {
      if (entry === L2_ENTRY_ZERO && zeroMarker !== L2_ENTRY_UNALLOCATED) {
        to.set(index, zeroMarker);
        entries++;
      }
      index++;
      continue;
    }
    // The check passed, so every other entry is a valid data cluster inside the file.
    let count = 1;
    while (count < runLimit && index + count < from.entryCount && from.get(index + count) === entry + count * cs) count++;
    readFully(image.file, run.subarray(0, count * cs), entry);
    for (let i = 0; i < count; i++) {
      const cluster = run.subarray(i * cs, (i + 1) * cs);
      if (isAllZero(cluster)) {
        report.zeroClustersDropped++;
        if (zeroMarker === L2_ENTRY_UNALLOCATED) continue;
        to.set(index + i, zeroMarker);
      } else {
        to.set(index + i, writer.append(cluster));
        report.dataClusters++;
      }
      entries++;
    }
    index += count;
    progress.done += count * cs;
    yield progress;
  }
  return entries;
}

/**
 * Throws `QedCompactionError` unless the compacted file checks clean and holds exactly the data
 * counted (`expectedLeaks`: 1 when a header area of 0 clusters leaves cluster 0 to the header struct).
 */
function assertCompacted(target: SyncFile, report: CompactReport, expectedLeaks: number): void {
  const check = checkImage(openBareImage(target), false);
  if (check.corruptions > 0 || check.checkErrors > 0 || check.leaks > expectedLeaks || check.allocatedClusters !== report.dataClusters) {
    throw new QedCompactionError(
      `the compacted copy failed its check (${check.corruptions} corruptions, ${check.leaks} leaks, ${check.allocatedClusters} of ${report.dataClusters} data clusters): the image was left as it was`,
    );
  }
}
