/**
 * Writing a qcow2 image (version 3, compat 1.1) from a disk, front to back: header cluster, L1
 * table, then data clusters and L2 tables in guest order, then the refcount blocks and table.
 * All-zero clusters are left unallocated. With `compressed`, each cluster is deflated (raw
 * DEFLATE, as QEMU's zlib compression type) and packed at byte granularity when that shrinks it,
 * and written as is when it does not.
 */
import { deflateSync } from 'fflate';
import type { SyncFile } from '../../engine/sync-file.ts';
import { writeFully } from '../../engine/sync-file.ts';
import { QedArgumentError } from '../../qed/errors.ts';
import { isAllZero, viewOf, writeU16BE, writeU64BE } from '../codec/bytes.ts';
import { MAX_CLUSTER_BITS, MIN_CLUSTER_BITS } from './constants.ts';
import { MAX_REFCOUNT, compressedClusterSpan, encodeQcow2Header, refcountStructureSize, writeCompressedEntry, writeCopiedEntry } from './layout.ts';

/** Options of `Qcow2Writer`. */
export interface Qcow2WriterOptions {
  /** Bytes per cluster: a power of two from 512 B to 2 MiB. Default 64 KiB. */
  clusterSize?: number;
  /** Deflate each cluster (kept uncompressed when that does not shrink it). Default false. */
  compressed?: boolean;
  /**
   * Raw DEFLATE compressor for `compressed` (default: fflate at level 6). Node callers may pass
   * `zlib.deflateRawSync`, which is several times faster; any raw DEFLATE stream QEMU inflates
   * in one call is valid.
   */
  deflate?: (cluster: Uint8Array) => Uint8Array;
}

/** What a finished qcow2 file holds. */
export interface Qcow2WriteResult {
  /** Virtual size in bytes (the source's, rounded up to 512 as QEMU does). */
  size: number;
  /** Clusters stored uncompressed. */
  dataClusters: number;
  /** Clusters stored compressed. */
  compressedClusters: number;
  /** Length of the file in bytes. */
  fileSize: number;
}

/** Default cluster size in bytes. */
export const DEFAULT_QCOW2_CLUSTER_SIZE = 64 * 1024;

/**
 * Builds a qcow2 file in `out` (which should be empty) for a disk of `size` bytes. Feed it the
 * disk's data in ascending guest order with `write`, then call `finish`. Throws
 * `QedArgumentError` for a bad cluster size or size.
 */
export class Qcow2Writer {
  /** Bytes per cluster. */
  readonly clusterSize: number;
  /** Virtual size in bytes. */
  readonly size: number;
  readonly #out: SyncFile;
  readonly #clusterBits: number;
  readonly #compressed: boolean;
  readonly #deflate: (cluster: Uint8Array) => Uint8Array;
  readonly #l1: Uint8Array;
  readonly #l2EntriesPerTable: number;
  /** Refcount of each host cluster so far (grown on demand). */
  #refcounts = new Uint16Array(1024);
  /** Next free byte of the file. */
  #cursor: number;
  #table: { l1Index: number; bytes: Uint8Array } | null = null;
  /** Guest offset the next write may start at (writes go front to back). */
  #nextGuest = 0;
  #dataClusters = 0;
  #compressedClusters = 0;

  constructor(out: SyncFile, size: number, options: Qcow2WriterOptions = {}) {
    const clusterSize = options.clusterSize ?? DEFAULT_QCOW2_CLUSTER_SIZE;
    const clusterBits = Math.log2(clusterSize);
    if (!Number.isInteger(clusterBits) || clusterBits < MIN_CLUSTER_BITS || clusterBits > MAX_CLUSTER_BITS) {
      throw new QedArgumentError(`qcow2 cluster size ${clusterSize} must be a power of two from 512 to 2097152 bytes`);
    }
    if (!Number.isSafeInteger(size) || size < 0) throw new QedArgumentError(`disk size ${size} must be a non-negative integer`);
    this.#out = out;
    this.clusterSize = clusterSize;
    this.#clusterBits = clusterBits;
    this.#compressed = options.compressed ?? false;
    this.#deflate = options.deflate ?? ((cluster) => deflateSync(cluster, { level: 6 }));
    this.size = Math.ceil(size / 512) * 512;
    this.#l2EntriesPerTable = clusterSize / 8;
    const l1Size = Math.ceil(this.size / (clusterSize * this.#l2EntriesPerTable));
    const l1Clusters = Math.ceil((l1Size * 8) / clusterSize);
    this.#l1 = new Uint8Array(l1Clusters * clusterSize);
    for (let cluster = 0; cluster <= l1Clusters; cluster++) this.#reference(cluster);
    this.#cursor = (1 + l1Clusters) * clusterSize;
  }

  /**
   * Stores `data` (not kept) at guest `offset`, a multiple of the cluster size at or after the
   * end of the previous write; `data` is whole clusters except in the disk's last cluster. All-zero
   * clusters are skipped. Throws `QedArgumentError` for out-of-order or misaligned writes.
   */
  write(offset: number, data: Uint8Array): void {
    const cs = this.clusterSize;
    const end = offset + data.byteLength;
    const reachesLastCluster = Math.ceil(end / cs) * cs >= this.size;
    if (offset % cs !== 0 || offset < this.#nextGuest || end > this.size || (data.byteLength % cs !== 0 && !reachesLastCluster)) {
      throw new QedArgumentError(`qcow2 writes must be whole clusters in ascending order (got ${data.byteLength} bytes at ${offset})`);
    }
    this.#nextGuest = end;
    let runStart = -1;
    const flushRun = (end: number): void => {
      if (runStart >= 0) this.#writePlain(offset + runStart, data.subarray(runStart, end));
      runStart = -1;
    };
    for (let at = 0; at < data.byteLength; at += cs) {
      const cluster = data.subarray(at, at + cs);
      const guest = offset + at;
      if (runStart >= 0 && guest % (cs * this.#l2EntriesPerTable) === 0) flushRun(at);
      if (isAllZero(cluster)) flushRun(at);
      else if (this.#compressed) this.#writeCompressed(guest, cluster);
      else if (runStart < 0) runStart = at;
    }
    flushRun(data.byteLength);
  }

  /**
   * Writes the last L2 table, the refcount structures, the L1 table and the header, and cuts
   * the file to its length. `out` is neither flushed nor closed.
   */
  finish(): Qcow2WriteResult {
    this.#storeTable();
    const cs = this.clusterSize;
    const used = Math.ceil(this.#cursor / cs);
    const { blocks, tableClusters } = refcountStructureSize(used, cs);
    const tableOffset = used * cs;
    for (let cluster = used; cluster < used + tableClusters + blocks; cluster++) this.#reference(cluster);
    const perBlock = cs / 2;
    const table = new Uint8Array(tableClusters * cs);
    const block = new Uint8Array(cs);
    for (let index = 0; index < blocks; index++) {
      const blockOffset = tableOffset + (tableClusters + index) * cs;
      writeU64BE(viewOf(table), index * 8, blockOffset);
      block.fill(0);
      const view = viewOf(block);
      for (let entry = 0; entry < perBlock; entry++) writeU16BE(view, entry * 2, this.#refcounts[index * perBlock + entry] ?? 0);
      writeFully(this.#out, block, blockOffset);
    }
    writeFully(this.#out, table, tableOffset);
    const l1TableOffset = cs;
    writeFully(this.#out, this.#l1, l1TableOffset);
    const l1Size = Math.ceil(this.size / (cs * this.#l2EntriesPerTable));
    writeFully(this.#out, encodeQcow2Header({ clusterBits: this.#clusterBits, size: this.size, l1Size, l1TableOffset, refcountTableOffset: tableOffset, refcountTableClusters: tableClusters }), 0);
    const fileSize = tableOffset + (tableClusters + blocks) * cs;
    this.#out.truncate(fileSize);
    return { size: this.size, dataClusters: this.#dataClusters, compressedClusters: this.#compressedClusters, fileSize };
  }

  /** Stores consecutive nonzero clusters (inside one L2 table) as one contiguous run. */
  #writePlain(guest: number, data: Uint8Array): void {
    const cs = this.clusterSize;
    const clusters = Math.ceil(data.byteLength / cs);
    const host = Math.ceil(this.#cursor / cs) * cs;
    this.#cursor = host + clusters * cs;
    writeFully(this.#out, data, host);
    if (data.byteLength % cs !== 0) writeFully(this.#out, new Uint8Array(cs - (data.byteLength % cs)), host + data.byteLength);
    const table = this.#tableFor(guest);
    for (let i = 0; i < clusters; i++) {
      this.#reference(host / cs + i);
      writeCopiedEntry(viewOf(table), this.#l2Index(guest + i * cs), host + i * cs);
    }
    this.#dataClusters += clusters;
  }

  /** Deflates one cluster and packs it after the previous compressed data, or stores it plainly when that does not shrink it. */
  #writeCompressed(guest: number, cluster: Uint8Array): void {
    const cs = this.clusterSize;
    const whole = cluster.byteLength === cs ? cluster : padded(cluster, cs);
    const packed = this.#deflate(whole);
    if (packed.byteLength >= cs) {
      this.#writePlain(guest, cluster);
      return;
    }
    let host = this.#cursor;
    let span = compressedClusterSpan(host, packed.byteLength, cs);
    if ((this.#refcounts[span.first] ?? 0) >= MAX_REFCOUNT - 1) {
      host = Math.ceil(host / cs) * cs;
      span = compressedClusterSpan(host, packed.byteLength, cs);
    }
    writeFully(this.#out, packed, host);
    this.#cursor = host + packed.byteLength;
    for (let c = span.first; c <= span.last; c++) this.#reference(c);
    writeCompressedEntry(viewOf(this.#tableFor(guest)), this.#l2Index(guest), host, packed.byteLength, this.#clusterBits);
    this.#compressedClusters++;
  }

  /** The in-memory L2 table covering `guest`, storing the previous one when moving on. */
  #tableFor(guest: number): Uint8Array {
    const l1Index = Math.floor(guest / (this.clusterSize * this.#l2EntriesPerTable));
    if (this.#table?.l1Index !== l1Index) {
      this.#storeTable();
      this.#table = { l1Index, bytes: new Uint8Array(this.clusterSize) };
    }
    return this.#table.bytes;
  }

  /** Writes the current L2 table to a new cluster and points its L1 entry at it. */
  #storeTable(): void {
    if (!this.#table) return;
    const cs = this.clusterSize;
    const host = Math.ceil(this.#cursor / cs) * cs;
    this.#cursor = host + cs;
    writeFully(this.#out, this.#table.bytes, host);
    this.#reference(host / cs);
    writeCopiedEntry(viewOf(this.#l1), this.#table.l1Index, host);
    this.#table = null;
  }

  #l2Index(guest: number): number {
    return Math.floor(guest / this.clusterSize) % this.#l2EntriesPerTable;
  }

  /** Adds one reference to host cluster `cluster`. */
  #reference(cluster: number): void {
    if (cluster >= this.#refcounts.length) {
      const grown = new Uint16Array(Math.max(cluster + 1, this.#refcounts.length * 2));
      grown.set(this.#refcounts);
      this.#refcounts = grown;
    }
    this.#refcounts[cluster]! += 1;
  }
}

/** `data` followed by zeros up to `length` bytes. */
function padded(data: Uint8Array, length: number): Uint8Array {
  const whole = new Uint8Array(length);
  whole.set(data);
  return whole;
}
