/**
 * `QedImage`: a QED virtual disk over a `SyncFile`. The public facade: open and create, range
 * checks, the need-check lifecycle, check and repair, info; the data paths live in
 * `read-path.ts` and `write-path.ts`.
 */
import { HEADER_STRUCT_SIZE_BYTES, SECTOR_SIZE_BYTES } from '../qed/constants.ts';
import { QedArgumentError, QedClosedError, QedRangeError, QedReadOnlyError } from '../qed/errors.ts';
import { type Geometry, roundDownToCluster } from '../qed/geometry.ts';
import { decodeHeader, hasBackingFile, isBackingRaw, isValidImageSize, validateHeader } from '../qed/header.ts';
import { assertRequestInside, describeImage, wholeClustersOf } from './image-info.ts';
import { openBacking, readBackingName } from './backing.ts';
import { validGroupCommitLimit, validPageBytes } from './open-options.ts';
import type { BlockReader } from './block-reader.ts';
import { checkImage } from './check.ts';
import { forEachTableChunk } from './cluster-state.ts';
import { GuardedFile } from './guarded-file.ts';
import { createImageFile } from './create.ts';
import { ImageState } from './image-state.ts';
import { mapImage } from './map.ts';
import { readRange } from './read-path.ts';
import { type SyncFile, readFully } from './sync-file.ts';
import type { CheckOptions, CheckReport, CreateOptions, Extent, ImageInfo, IoStats, OpenOptions } from './types.ts';
import { discardClusters, writeRange, writeZeroData, zeroClusters } from './write-path.ts';

/** Default limit on backing chain depth. */
const DEFAULT_MAX_BACKING_DEPTH = 64;

/**
 * A QED image opened over a `SyncFile`. Synchronous; one caller at a time. Reads have no side
 * effects and every request may be run again from its start after a `BackingDataPendingError`
 * (see `write-path.ts`): the worker relies on that for HTTP bases.
 */
export class QedImage implements BlockReader {
  readonly #state: ImageState;
  readonly #readOnly: boolean;
  readonly #backingName: string | null;
  /** Set when a repair left corruption behind: need-check stays set so the next open checks again. */
  #corruptionRemains = false;
  #closed = false;

  private constructor(state: ImageState, readOnly: boolean, backingName: string | null) {
    this.#state = state;
    this.#readOnly = readOnly;
    this.#backingName = backingName;
  }

  /**
   * Opens the QED image in `file`. A read-write open clears unknown auto-clear bits and, when the
   * need-check bit is set, runs the check with repair; a read-only open never writes. Throws
   * `QedFormatError`, `QedCorruptionError` or `QedBackingError`. On failure `file` stays open and
   * remains the caller's; on success the image owns it.
   */
  static open(rawFile: SyncFile, options: OpenOptions = {}): QedImage {
    const file = rawFile instanceof GuardedFile ? rawFile : new GuardedFile(rawFile);
    const fileSize = file.getSize();
    const headerBytes = new Uint8Array(Math.min(fileSize, HEADER_STRUCT_SIZE_BYTES));
    readFully(file, headerBytes, 0);
    const header = decodeHeader(headerBytes);
    const geometry = validateHeader(header, fileSize);
    const backingName = hasBackingFile(header) ? readBackingName(file, header) : null;
    const state = new ImageState(file, header, geometry, options.l2CacheBytes, validPageBytes(options.l2PageBytes), validGroupCommitLimit(options.groupCommitLimit));
    const image = new QedImage(state, options.readOnly ?? false, backingName);
    if (backingName !== null) {
      const depth = (options.depth ?? 0) + 1;
      state.backing = openBacking(backingName, isBackingRaw(header) ? 'raw' : 'probe', depth, options.maxBackingDepth ?? DEFAULT_MAX_BACKING_DEPTH, options.resolveBacking, (backingFile, level) =>
        QedImage.open(backingFile, { ...options, readOnly: true, depth: level }),
      );
    }
    try {
      if (!image.#readOnly) image.#prepareForWriting();
    } catch (error) {
      state.backing?.close();
      throw error;
    }
    return image;
  }

  /**
   * Creates a new, empty QED image in `file` (whatever it held is discarded) and opens it
   * read-write. Without `size`, the backing image's size is used. Throws `QedArgumentError` or
   * `QedRangeError` for a bad geometry or size before touching the file.
   */
  static create(file: SyncFile, options: CreateOptions): QedImage {
    let size = options.size;
    if (size === undefined && options.backing) {
      const backing = openBacking(options.backing.name, options.backing.format, 1, DEFAULT_MAX_BACKING_DEPTH, options.resolveBacking, (backingFile, level) =>
        QedImage.open(backingFile, { readOnly: true, depth: level, resolveBacking: options.resolveBacking }),
      );
      size = backing.size;
      backing.close();
    }
    createImageFile(new GuardedFile(file), { ...options, size });
    return QedImage.open(file, { resolveBacking: options.resolveBacking, l2CacheBytes: options.l2CacheBytes, l2PageBytes: options.l2PageBytes, groupCommitLimit: options.groupCommitLimit });
  }

  /** Virtual disk size in bytes. */
  get size(): number {
    return this.#state.imageSize;
  }

  /** The geometry (cluster size, table size, ...) of this image. */
  get geometry(): Geometry {
    return this.#state.geometry;
  }

  /** True when opened read-only. */
  get readOnly(): boolean {
    return this.#readOnly;
  }

  /** The backing name stored in the header, or null. */
  get backingName(): string | null {
    return this.#backingName;
  }

  /** Reads `length` bytes at guest offset `offset` into a new buffer owned by the caller. */
  read(offset: number, length: number): Uint8Array<ArrayBuffer> {
    this.#assertRange(offset, length);
    const target = new Uint8Array(length);
    this.#read(target, offset);
    return target;
  }

  /** Fills `target` with the guest bytes at `offset`. Throws `QedRangeError` outside the disk. */
  readInto(offset: number, target: Uint8Array): void {
    this.#assertRange(offset, target.byteLength);
    this.#read(target, offset);
  }

  /** Reads a range already checked to lie inside the disk. */
  #read(target: Uint8Array, offset: number): void {
    readRange(this.#state, target, offset);
    // Counted on success: a request re-run after a BackingDataPendingError counts once.
    this.#state.io.reads++;
    this.#state.io.bytesRead += target.byteLength;
  }

  /**
   * Writes `data` at guest offset `offset`, allocating clusters as needed; `data` is not kept.
   * Throws `QedRangeError` outside the disk, before writing anything.
   */
  write(offset: number, data: Uint8Array): void {
    this.#assertWritable();
    this.#assertRange(offset, data.byteLength);
    this.#state.prepareForWrites();
    writeRange(this.#state, data, offset);
    this.#state.io.writes++;
    this.#state.io.bytesWritten += data.byteLength;
  }

  /**
   * Makes `[offset, offset + length)` read as zeros. Whole clusters that hold no data become
   * zero clusters (entry 1) without writing data; allocated ones are zeroed in place; partial
   * clusters at either end are written as ordinary zero bytes.
   */
  writeZeroes(offset: number, length: number): void {
    const { end, alignedStart, alignedEnd } = this.#wholeClusters(offset, length);
    this.#state.prepareForWrites();
    writeZeroData(this.#state, offset, alignedStart - offset);
    forEachTableChunk(this.geometry, alignedStart, alignedEnd - alignedStart, (l1Index, start, chunkEnd) => zeroClusters(this.#state, l1Index, start, chunkEnd));
    writeZeroData(this.#state, alignedEnd, end - alignedEnd);
    this.#state.io.writes++;
    this.#state.io.bytesWritten += length;
  }

  /**
   * Discards `[offset, offset + length)`: every whole cluster in it that holds data here stops
   * referencing it and reads as zeros from then on (a zero cluster, entry 1, over a backing
   * image; unallocated, entry 0, without one). Partial clusters at either end and clusters that
   * hold no data are left as they are. No data is written; the freed clusters are leaks that
   * `compactImageFile` (or, at the end of the file, a repair) gives back. QEMU ignores discards
   * on QED; this is qedisk's own, and the layout stays valid for QEMU.
   */
  discard(offset: number, length: number): void {
    const { alignedStart, alignedEnd } = this.#wholeClusters(offset, length);
    if (alignedEnd <= alignedStart) return;
    this.#state.prepareForWrites();
    forEachTableChunk(this.geometry, alignedStart, alignedEnd - alignedStart, (l1Index, start, chunkEnd) => discardClusters(this.#state, l1Index, start, chunkEnd));
    this.#state.io.writes++; // what the guest reads changed: caches keyed on the write count must see it
  }

  /**
   * Checks a write request of `length` bytes at `offset` and returns its end and the whole
   * clusters inside it, `[alignedStart, alignedEnd)` (the disk's last, partial cluster counts as
   * whole), in bytes.
   */
  #wholeClusters(offset: number, length: number): { end: number; alignedStart: number; alignedEnd: number } {
    this.#assertWritable();
    this.#assertRange(offset, length);
    return wholeClustersOf(offset, length, this.geometry.clusterSize, this.size);
  }

  /** Makes every completed write durable. The need-check bit is left as it is (see `markClean`). */
  flush(): void {
    this.#assertOpen();
    if (this.#readOnly) return;
    this.#state.commitPending();
    this.#state.flushFile();
  }

  /**
   * Allocating writes over a backing image whose table updates wait for a group commit (see
   * `OpenOptions.groupCommitLimit`); 0 without a backing image.
   */
  get pendingAllocations(): number {
    return this.#state.pending.allocations;
  }

  /**
   * Runs the group commit now if table updates wait (a flush, then their sectors), without the
   * final flush of `flush`: the entries reach the file, in an order that keeps the image
   * consistent after a crash. Returns true when something was committed.
   */
  commitPending(): boolean {
    this.#assertOpen();
    if (this.#state.pending.isEmpty) return false;
    this.#state.commitPending();
    return true;
  }

  /**
   * Flushes and clears the need-check bit on disk if it is set: call when the image is idle.
   * Keeps the bit while a repair has left corruption behind. Returns true when it cleared it.
   */
  markClean(): boolean {
    this.#assertOpen();
    if (this.#readOnly) return false;
    this.#state.commitPending();
    if (!this.#state.needCheckOnDisk || this.#corruptionRemains) {
      this.#state.flushFile();
      return false;
    }
    this.#clearNeedCheck();
    return true;
  }

  /** Grows the disk to `newSize` bytes: a multiple of 512, no smaller, within the geometry's maximum. */
  resize(newSize: number): void {
    this.#assertWritable();
    if (!Number.isSafeInteger(newSize) || newSize < 0 || newSize % SECTOR_SIZE_BYTES !== 0) {
      throw new QedArgumentError(`new size ${newSize} must be a non-negative multiple of 512 bytes`);
    }
    if (newSize < this.size) throw new QedArgumentError(`shrinking from ${this.size} to ${newSize} bytes is not supported`);
    if (!isValidImageSize(this.geometry, newSize)) {
      throw new QedRangeError(`new size ${newSize} exceeds the maximum of ${this.geometry.maxImageSize} bytes for this geometry`);
    }
    this.#state.header.imageSize = newSize;
    this.#state.writeHeader();
    this.#state.flushFile();
  }

  /**
   * Checks the metadata. With `repair`, sets invalid entries to 0 and cuts unreferenced clusters
   * off the end of the file, then reports a second pass over the repaired image (as `qemu-img
   * check -r` does) with `corruptionsFixed` and `leaksFixed` from the first.
   */
  check(options: CheckOptions = {}): CheckReport {
    this.#assertOpen();
    const repair = options.repair ?? false;
    if (repair) this.#assertWritable();
    this.#state.commitPending(); // the check reads the tables from the file
    return this.#runCheck(repair);
  }

  /** The storage state of the whole virtual disk as maximal runs, in guest order. */
  map(): Extent[] {
    this.#assertOpen();
    return mapImage(this.#state);
  }

  /** Geometry, sizes, backing and counters. The first call counts allocated clusters by reading every L2 table. */
  info(): ImageInfo {
    this.#assertOpen();
    return describeImage(this.#state, this.#backingName, this.#readOnly);
  }

  /** I/O counters since open. */
  ioStats(): IoStats {
    return { ...this.#state.io, l2Cache: this.#state.cache.stats() };
  }

  /** Flushes, clears the need-check bit (unless corruption remains) and closes the file and backing chain. Idempotent. */
  close(): void {
    if (this.#closed) return;
    try {
      if (!this.#readOnly) this.markClean();
    } finally {
      this.#closed = true;
      this.#state.backing?.close();
      this.#state.file.close();
    }
  }

  #prepareForWriting(): void {
    const state = this.#state;
    if (state.header.autoclearFeatures !== 0n) {
      state.header.autoclearFeatures = 0n;
      state.writeHeader();
      state.flushFile();
    }
    if (state.needCheckOnDisk) this.#runCheck(true);
  }

  #runCheck(repair: boolean): CheckReport {
    const state = this.#state;
    const subject = { file: state.file, geometry: state.geometry, l1Offset: state.header.l1TableOffset, l1: state.l1, imageSize: state.imageSize };
    if (!repair) return checkImage(subject, false);
    const first = checkImage(subject, true);
    // The repair may have cut leaked clusters off the end: the allocation pointer follows the file.
    state.fileEnd = roundDownToCluster(state.geometry, state.file.getSize());
    state.cache.clear();
    state.allocatedClusters = null;
    state.forgetReferenceScan();
    const second = checkImage(subject, false);
    this.#corruptionRemains = second.corruptions > 0 || second.checkErrors > 0;
    if (!this.#corruptionRemains && state.needCheckOnDisk) this.#clearNeedCheck();
    return { ...second, corruptionsFixed: first.corruptionsFixed, leaksFixed: first.leaksFixed };
  }

  #clearNeedCheck(): void {
    this.#state.flushFile();
    this.#state.setNeedCheck(false);
    this.#state.flushFile();
  }

  #assertOpen(): void {
    if (this.#closed) throw new QedClosedError('the image is closed');
  }

  #assertWritable(): void {
    this.#assertOpen();
    if (this.#readOnly) throw new QedReadOnlyError('the image was opened read-only');
  }

  #assertRange(offset: number, length: number): void {
    this.#assertOpen();
    assertRequestInside(offset, length, this.size);
  }
}
