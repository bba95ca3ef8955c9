/**
 * The mutable state of one open QED image and the metadata operations the data paths share:
 * table lookup through the L2 cache, cluster reservation, table updates in QEMU's order, header
 * rewrites, the need-check bit, and the neutralizing of references past the end of the file
 * before the first write. Internal to the engine.
 */
import { FEATURE_NEED_CHECK, HEADER_STRUCT_SIZE_BYTES, L2_ENTRY_ZERO } from '../qed/constants.ts';
import { QedCorruptionError } from '../qed/errors.ts';
import { type Geometry, isValidTableOffset, roundDownToCluster } from '../qed/geometry.ts';
import { type QedHeader, encodeHeader, needsCheck } from '../qed/header.ts';
import { Table } from '../qed/table.ts';
import { type BlockReader, readClipped } from './block-reader.ts';
import { DEFAULT_L2_PAGE_BYTES, L2Cache, MIN_L2_PAGE_BYTES } from './l2-cache.ts';
import { L2Table } from './l2-table.ts';
import { DEFAULT_GROUP_COMMIT_LIMIT, PendingTableWrites } from './pending-tables.ts';
import { scanReferences } from './reference-scan.ts';
import { type SyncFile, readFully, writeFully } from './sync-file.ts';
import type { IoStats } from './types.ts';

/** Guest-visible I/O counters kept by the data paths (the L2 cache keeps its own). */
export type IoCounters = Omit<IoStats, 'l2Cache'>;

/** State of one open image, shared by the facade and the read and write paths. */
export class ImageState {
  readonly file: SyncFile;
  readonly geometry: Geometry;
  readonly header: QedHeader;
  /** The L1 table, always in memory. */
  readonly l1: Table;
  readonly cache: L2Cache;
  /** Bytes per cached L2 page: the configured page size, within one sector and one table. */
  readonly pageBytes: number;
  readonly io: IoCounters = { reads: 0, bytesRead: 0, writes: 0, bytesWritten: 0, clustersAllocated: 0, tablesAllocated: 0, flushes: 0, groupCommits: 0 };
  /** Table updates of allocating writes over a backing image that wait for a group commit. */
  readonly pending = new PendingTableWrites();
  /** Allocating writes whose table updates may wait for one group commit (1: commit each, as QEMU). */
  readonly groupCommitLimit: number;
  /** The backing image, or null. */
  backing: BlockReader | null = null;
  /** Allocation pointer in bytes: where the next cluster goes. */
  fileEnd: number;
  /** The need-check bit as it is on disk. */
  needCheckOnDisk: boolean;
  /** Allocated data clusters, once counted (null until then). */
  allocatedClusters: number | null = null;
  #scratch = new Uint8Array(0);
  /** Set by `prepareForWrites` until a repair or a reopen. */
  #referencesScanned = false;
  /** L1 indices whose table lies (partly) past the end of the file; allocation is refused while any remain. */
  #danglingTables: number[] = [];

  constructor(file: SyncFile, header: QedHeader, geometry: Geometry, l2CacheBytes: number | undefined, l2PageBytes: number = DEFAULT_L2_PAGE_BYTES, groupCommitLimit: number = DEFAULT_GROUP_COMMIT_LIMIT) {
    this.file = file;
    this.groupCommitLimit = groupCommitLimit;
    this.header = header;
    this.geometry = geometry;
    this.cache = new L2Cache(l2CacheBytes, (offset) => this.pending.has(offset));
    this.pageBytes = Math.min(Math.max(l2PageBytes, MIN_L2_PAGE_BYTES), geometry.tableBytes);
    this.fileEnd = roundDownToCluster(geometry, file.getSize());
    this.needCheckOnDisk = needsCheck(header);
    this.l1 = Table.empty(geometry.tableBytes);
    readFully(file, this.l1.bytes, header.l1TableOffset);
  }

  /** Virtual size in bytes. */
  get imageSize(): number {
    return this.header.imageSize;
  }

  /** File offset of the L1 table, in bytes. */
  get l1Offset(): number {
    return this.header.l1TableOffset;
  }

  /**
   * The L2 table of L1 slot `l1Index`, from the cache or the file, or null when the slot is
   * empty. Throws `QedCorruptionError` when the L1 entry is not a valid table offset.
   */
  tableFor(l1Index: number): L2Table | null {
    const offset = this.l1.get(l1Index);
    if (offset === 0) return null;
    if (!isValidTableOffset(this.geometry, offset, this.fileEnd)) {
      throw new QedCorruptionError(`L1 entry ${l1Index} points at an invalid L2 table offset 0x${offset.toString(16)}`);
    }
    return new L2Table(this, offset);
  }

  /** Fills `target` with what unallocated guest bytes at `offset` read as: backing data or zeros. */
  readUnallocated(target: Uint8Array, offset: number): void {
    if (this.backing) readClipped(this.backing, offset, target);
    else target.fill(0);
  }

  /** A reusable buffer of at least `length` bytes, owned by the state (valid until the next call). */
  scratch(length: number): Uint8Array {
    if (this.#scratch.byteLength < length) this.#scratch = new Uint8Array(length);
    return this.#scratch.subarray(0, length);
  }

  /**
   * Run before the first write of a session (and again after a repair): counts the allocated
   * clusters and makes every L2 entry that points at or past the end of the file a zero
   * cluster (entry 1), which reads exactly as before (such entries read as zeros). New clusters
   * are appended at the end of the file, so those entries would otherwise come to name new data
   * (a cross-link) as the file grows, and nothing they hold decides where new clusters go.
   * Tables that lie past the end are only counted: `reserve` then refuses to allocate.
   * Clusters at the end of the file that nothing references (a crash between writing data and
   * the table entry naming it) are cut off. Runs before the write path reads any table, so no
   * caller holds a stale copy of one; running it again after a `BackingDataPendingError` finds
   * nothing more to do.
   */
  prepareForWrites(): void {
    if (this.#referencesScanned) return;
    this.commitPending();
    const scan = scanReferences(this);
    let neutralized = 0;
    for (const [l1Index, indices] of scan.danglingEntries) {
      this.#setToZeroClusters(l1Index, indices);
      neutralized += indices.length;
    }
    // The neutralized entries reach the disk before the file can grow over what they named.
    if (neutralized > 0) this.flushFile();
    if (scan.complete && scan.danglingTables.length === 0) this.#cutTrailingLeaks(scan.referencedEnd);
    this.allocatedClusters = scan.allocatedClusters - neutralized;
    this.#danglingTables = scan.danglingTables;
    this.#referencesScanned = true;
  }

  /**
   * Truncates the file to `referencedEnd` when it is longer. Invariant: every L2 table was
   * examined and no reference lies in `[referencedEnd, end of file)`, so the cut clusters (and
   * any partial cluster) are leaks; the file's length is the allocation pointer, so the next
   * cluster goes where they were, exactly as if they had never been written.
   */
  #cutTrailingLeaks(referencedEnd: number): void {
    if (this.file.getSize() <= referencedEnd) return;
    this.file.truncate(referencedEnd);
    this.flushFile();
    this.fileEnd = referencedEnd;
  }

  /** Forgets what `prepareForWrites` found (after a repair rewrote the tables). */
  forgetReferenceScan(): void {
    this.#referencesScanned = false;
    this.#danglingTables = [];
  }

  /**
   * Reserves `clusters` clusters at the end of the file and returns their file offset. Throws
   * `QedCorruptionError` while an L1 entry names a table past the end of the file: growing the
   * file would turn new data into that table.
   */
  reserve(clusters: number): number {
    if (!this.#referencesScanned) throw new Error('engine bug: reserve() before prepareForWrites()');
    if (this.#danglingTables.length > 0) {
      throw new QedCorruptionError(
        `${this.#danglingTables.length} L1 entries (first: ${this.#danglingTables[0]}) point at L2 tables past the end of the ${this.fileEnd}-byte file; repair the image (qedisk check --repair) before writing new data`,
      );
    }
    const offset = this.fileEnd;
    this.fileEnd += clusters * this.geometry.clusterSize;
    return offset;
  }

  /** Sets entries `indices` (ascending) of L1 slot `l1Index`'s table to 1, writing the sectors they span once. */
  #setToZeroClusters(l1Index: number, indices: number[]): void {
    this.tableFor(l1Index)?.updateEach(indices, L2_ENTRY_ZERO);
  }

  /**
   * Points `count` entries of L1 slot `l1Index` from `index` on at `first`, `first + step`, ...
   * in QEMU's order: for a new table, the whole table is written and flushed before the L1
   * sector; an existing table gets only its changed 512-byte sectors, with no flush. With
   * `deferred`, an existing table's sectors wait for the next group commit instead (see
   * `pending-tables.ts`), which runs at once when `groupCommitLimit` allocations wait.
   */
  setEntries(l1Index: number, table: L2Table | null, index: number, count: number, first: number, step: number, deferred = false): L2Table {
    if (table && deferred) {
      table.updateDeferred(index, count, first, step);
      if (++this.pending.allocations >= this.groupCommitLimit) this.commitPending();
      return table;
    }
    if (table) {
      table.update(index, count, first, step);
      return table;
    }
    const fresh = Table.empty(this.geometry.tableBytes);
    fresh.fill(index, count, first, step);
    const tableOffset = this.reserve(this.geometry.tableSize);
    try {
      writeFully(this.file, fresh.bytes, tableOffset);
      this.flushFile();
    } catch (error) {
      this.fileEnd = tableOffset; // nothing references the table yet: give its clusters back
      throw error;
    }
    this.l1.set(l1Index, tableOffset);
    const sector = Table.sectorRange(l1Index, 1);
    try {
      writeFully(this.file, this.l1.bytes.subarray(sector.start, sector.start + sector.length), this.header.l1TableOffset + sector.start);
    } catch (error) {
      this.l1.set(l1Index, 0);
      throw error;
    }
    this.io.tablesAllocated++;
    return L2Table.seed(this, tableOffset, fresh.bytes);
  }

  /** Sets the need-check bit on disk (and flushes) unless it is already set. */
  ensureNeedCheck(): void {
    if (this.needCheckOnDisk) return;
    this.setNeedCheck(true);
    this.flushFile();
  }

  /** Sets or clears the need-check bit and rewrites the header struct. */
  setNeedCheck(value: boolean): void {
    this.header.features = value ? this.header.features | FEATURE_NEED_CHECK : this.header.features & ~FEATURE_NEED_CHECK;
    this.writeHeader();
    this.needCheckOnDisk = value;
  }

  /** Rewrites the 64-byte header struct; bytes after it are never touched. */
  writeHeader(): void {
    const bytes = encodeHeader(this.header);
    writeFully(this.file, bytes.subarray(0, HEADER_STRUCT_SIZE_BYTES), 0);
  }

  /**
   * The group commit: flushes (the waiting writes' data becomes durable), then writes each waiting
   * page's changed sectors. When a sector write fails, what is not yet written stays waiting for
   * the next commit and the error is thrown. Nothing to do when nothing waits.
   */
  commitPending(): void {
    if (this.pending.isEmpty) return;
    this.flushFile();
    for (const waiting of [...this.pending.pages()]) {
      writeFully(this.file, waiting.page.bytes.subarray(waiting.start, waiting.end), waiting.offset + waiting.start);
      this.pending.written(waiting.offset);
    }
    this.io.groupCommits++;
  }

  /** Flushes the file and counts it. */
  flushFile(): void {
    this.io.flushes++;
    this.file.flush();
  }
}
