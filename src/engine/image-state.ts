/**
 * The mutable state of one open QED image and the metadata operations the data paths share:
 * table lookup through the L2 cache, cluster reservation, table updates in QEMU's order, header
 * rewrites and the need-check bit. Internal to the engine.
 */
import { FEATURE_NEED_CHECK, HEADER_STRUCT_SIZE_BYTES } from '../qed/constants.ts';
import { QedCorruptionError } from '../qed/errors.ts';
import { type Geometry, isValidTableOffset, roundDownToCluster } from '../qed/geometry.ts';
import { type QedHeader, encodeHeader, needsCheck } from '../qed/header.ts';
import { Table } from '../qed/table.ts';
import { type BlockReader, readClipped } from './block-reader.ts';
import { L2Cache } from './l2-cache.ts';
import { scanReferences } from './reference-scan.ts';
import { type SyncFile, readFully, writeFully } from './sync-file.ts';
import type { IoStats } from './types.ts';

/** How far past the end of the file a reference may point before allocation refuses (16 GiB). */
const MAX_REFERENCE_OVERHANG_BYTES = 16 * 1024 ** 3;

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
  readonly io: IoCounters = { reads: 0, bytesRead: 0, writes: 0, bytesWritten: 0, clustersAllocated: 0, tablesAllocated: 0, flushes: 0 };
  /** The backing image, or null. */
  backing: BlockReader | null = null;
  /** Allocation pointer in bytes: where the next cluster goes. */
  fileEnd: number;
  /** The need-check bit as it is on disk. */
  needCheckOnDisk: boolean;
  /** Allocated data clusters, once counted (null until then). */
  allocatedClusters: number | null = null;
  #scratch = new Uint8Array(0);
  #referencesScanned = false;

  constructor(file: SyncFile, header: QedHeader, geometry: Geometry, l2CacheBytes: number | undefined) {
    this.file = file;
    this.header = header;
    this.geometry = geometry;
    this.cache = new L2Cache(l2CacheBytes);
    this.fileEnd = roundDownToCluster(geometry, file.getSize());
    this.needCheckOnDisk = needsCheck(header);
    this.l1 = Table.empty(geometry.tableBytes);
    readFully(file, this.l1.bytes, header.l1TableOffset);
  }

  /** Virtual size in bytes. */
  get imageSize(): number {
    return this.header.imageSize;
  }

  /**
   * The L2 table of L1 slot `l1Index`, from the cache or the file, or null when the slot is
   * empty. Throws `QedCorruptionError` when the L1 entry is not a valid table offset.
   */
  tableFor(l1Index: number): Table | null {
    const offset = this.l1.get(l1Index);
    if (offset === 0) return null;
    const cached = this.cache.get(offset);
    if (cached) return cached;
    if (!isValidTableOffset(this.geometry, offset, this.fileEnd)) {
      throw new QedCorruptionError(`L1 entry ${l1Index} points at an invalid L2 table offset 0x${offset.toString(16)}`);
    }
    const table = Table.empty(this.geometry.tableBytes);
    readFully(this.file, table.bytes, offset);
    this.cache.put(offset, table);
    return table;
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
   * Reserves `clusters` clusters at the end of the file and returns their file offset. The first
   * reservation of a session moves the allocation pointer past every existing reference.
   */
  reserve(clusters: number): number {
    if (!this.#referencesScanned) this.#skipPastReferences();
    const offset = this.fileEnd;
    this.fileEnd += clusters * this.geometry.clusterSize;
    return offset;
  }

  /**
   * Points `count` entries of L1 slot `l1Index` from `index` on at `first`, `first + step`, ...
   * in QEMU's order: for a new table, the whole table is written and flushed before the L1
   * sector; an existing table gets only its changed 512-byte sectors, with no flush.
   */
  setEntries(l1Index: number, table: Table | null, index: number, count: number, first: number, step: number): Table {
    if (table) {
      const range = Table.sectorRange(index, count);
      const previous = table.bytes.slice(range.start, range.start + range.length);
      table.fill(index, count, first, step);
      try {
        writeFully(this.file, table.bytes.subarray(range.start, range.start + range.length), this.l1.get(l1Index) + range.start);
      } catch (error) {
        table.bytes.set(previous, range.start);
        throw error;
      }
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
    this.cache.put(tableOffset, fresh);
    return fresh;
  }

  #skipPastReferences(): void {
    const scan = scanReferences(this);
    this.#referencesScanned = true;
    this.allocatedClusters = scan.allocatedClusters;
    if (scan.highestReferenceEnd <= this.fileEnd) return;
    if (scan.highestReferenceEnd - this.fileEnd > MAX_REFERENCE_OVERHANG_BYTES) {
      throw new QedCorruptionError(`table entries point up to ${scan.highestReferenceEnd} bytes, far past the ${this.fileEnd}-byte file; repair the image (qedisk check --repair) before writing`);
    }
    this.fileEnd = scan.highestReferenceEnd;
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

  /** Flushes the file and counts it. */
  flushFile(): void {
    this.io.flushes++;
    this.file.flush();
  }
}
