/**
 * A read-only qcow2 image (versions 2 and 3) over a `SyncFile`: L1/L2 lookup with an L2 cache,
 * zero clusters, compressed clusters (deflate or zstd), extended L2 entries and a backing image.
 * Dirty and corrupt images open, as QEMU opens them read-only; nothing is ever written.
 */
import type { BlockReader } from '../../engine/block-reader.ts';
import { readClipped } from '../../engine/block-reader.ts';
import type { SyncFile } from '../../engine/sync-file.ts';
import { readFully } from '../../engine/sync-file.ts';
import { viewOf } from '../codec/bytes.ts';
import { type RawInflateFastPath, inflateRawInto } from '../codec/inflate.ts';
import { zstdDecompressInto } from '../codec/zstd.ts';
import { QedBackingError } from '../../qed/errors.ts';
import { ImageCorruptionError } from '../errors.ts';
import { readMetadata } from '../file-read.ts';
import { type BlockStatus, type ImageReader, assertReadInside } from '../image-reader.ts';
import { LruCache } from '../lru-cache.ts';
import { type AsyncRawInflate, type InflateJob, InflatePendingError, deferredInflate } from '../codec/deferred-inflate.ts';
import { INCOMPATIBLE } from './constants.ts';
import { type EntryLayout, type Granule, decodeGranule, decodeL1Entry, granuleBytes } from './entries.ts';
import { QCOW2_HEADER_PROBE_BYTES, type Qcow2Header, decodeBackingName, decodeQcow2Extensions, decodeQcow2Header, validateQcow2Features } from './header.ts';

/** Default L2 cache budget, in bytes. */
export const DEFAULT_QCOW2_L2_CACHE_BYTES = 4 * 1024 * 1024;
/** Budget for decompressed clusters kept for small sequential reads, in bytes. */
const COMPRESSED_CACHE_BYTES = 4 * 1024 * 1024;

/** Opens the backing image `name` (format from the header extension, or null to probe). */
export type Qcow2BackingOpener = (name: string, format: string | null) => BlockReader;

/** Options of `Qcow2Reader.open`. */
export interface Qcow2OpenOptions {
  /** Opens the backing image; without it, an image with a backing file is refused by the caller. */
  openBacking?: Qcow2BackingOpener;
  /** L2 cache budget in bytes. Default 4 MiB. */
  l2CacheBytes?: number;
  /** A faster decoder for deflate-compressed clusters (used when it fills a whole cluster). */
  inflateRaw?: RawInflateFastPath;
}

/** A run of guest bytes with one storage state, inside one L2 table. */
interface Run {
  granule: Granule;
  /** Host offset of the run's first byte (normal runs). */
  host: number;
  length: number;
}

/** A qcow2 image opened read-only. */
export class Qcow2Reader implements ImageReader {
  /** The image format's name, as qemu-img names it. */
  readonly format = 'qcow2' as const;
  /** Virtual size in bytes. */
  readonly size: number;
  /** The decoded header. */
  readonly header: Qcow2Header;
  /** The backing file name from the header, or null. */
  readonly backingName: string | null;
  /** The backing format extension, or null. */
  readonly backingFormat: string | null;
  readonly #file: SyncFile;
  readonly #layout: EntryLayout;
  readonly #l1: DataView;
  readonly #l2Cache: LruCache<DataView>;
  readonly #clusterCache = new LruCache<Uint8Array>(COMPRESSED_CACHE_BYTES);
  /** Clusters (by host offset) the deferred decoder declined: decoded synchronously, for the typed error. */
  readonly #syncOnly = new Set<number>();
  #backing: BlockReader | null = null;
  readonly #inflateRaw: RawInflateFastPath | undefined;

  private constructor(file: SyncFile, header: Qcow2Header, l1: DataView, names: { backingName: string | null; backingFormat: string | null }, options: Qcow2OpenOptions) {
    this.#file = file;
    this.header = header;
    // QEMU counts whole 512-byte sectors: a size that is not a multiple of 512 is rounded down.
    this.size = header.size - (header.size % 512);
    this.#l1 = l1;
    this.#layout = { clusterBits: header.clusterBits, clusterSize: header.clusterSize, extendedL2: header.extendedL2 };
    this.#l2Cache = new LruCache(options.l2CacheBytes ?? DEFAULT_QCOW2_L2_CACHE_BYTES);
    this.#inflateRaw = options.inflateRaw;
    this.backingName = names.backingName;
    this.backingFormat = names.backingFormat;
  }

  /**
   * Opens `file` (taken over by the reader only on success: `close` closes it). Throws typed
   * errors from `./header.ts`, and whatever `options.openBacking` throws.
   */
  static open(file: SyncFile, options: Qcow2OpenOptions = {}): Qcow2Reader {
    const header = decodeQcow2Header(readMetadata(file, 0, QCOW2_HEADER_PROBE_BYTES, 'qcow2 header'));
    const extensionEnd = header.backingFileOffset === 0 ? header.clusterSize : header.backingFileOffset;
    const extensions = decodeQcow2Extensions(readMetadata(file, 0, extensionEnd, 'qcow2 header extensions'), header);
    validateQcow2Features(header, extensions);
    const backingName = header.backingFileOffset === 0 ? null : decodeBackingName(readMetadata(file, header.backingFileOffset, header.backingFileSize, 'qcow2 backing file name'));
    const l1 = viewOf(readMetadata(file, header.l1TableOffset, header.l1EntriesNeeded * 8, 'qcow2 L1 table'));
    const reader = new Qcow2Reader(file, header, l1, { backingName, backingFormat: extensions.backingFormat }, options);
    if (backingName !== null) {
      if (!options.openBacking) throw new QedBackingError(`qcow2 image has backing file "${backingName}" but no way to open it was given`);
      reader.#backing = options.openBacking(backingName, extensions.backingFormat);
    }
    return reader;
  }

  /** The backing image, or null. */
  get backing(): BlockReader | null {
    return this.#backing;
  }

  /** True when the dirty bit is set (refcounts may be stale; reads are unaffected). */
  get dirty(): boolean {
    return (this.header.incompatibleFeatures & INCOMPATIBLE.dirty) !== 0n;
  }

  /** True when QEMU marked the image corrupt (QEMU, too, still opens it read-only). */
  get corrupt(): boolean {
    return (this.header.incompatibleFeatures & INCOMPATIBLE.corrupt) !== 0n;
  }

  /** Fills `target` with the guest bytes at `offset` (bytes from the start of the disk). */
  readInto(offset: number, target: Uint8Array): void {
    assertReadInside(offset, target.byteLength, this.size);
    const end = offset + target.byteLength;
    const inflate = this.header.compressionType === 'zstd' ? null : deferredInflate();
    if (inflate) this.#deferMissingClusters(offset, end, inflate);
    for (let position = offset; position < end; ) {
      const run = this.#runAt(position, end);
      const piece = target.subarray(position - offset, position - offset + run.length);
      const kind = run.granule.kind;
      if (kind === 'normal') readFully(this.#file, piece, run.host);
      else if (kind === 'compressed') {
        const inCluster = position % this.header.clusterSize;
        piece.set(this.#decompressed(run.granule).subarray(inCluster, inCluster + run.length));
      } else if (kind === 'unallocated' && this.#backing) readClipped(this.#backing, position, piece);
      else piece.fill(0);
      position += run.length;
    }
  }

  /** What the guest bytes at `offset` are (data, zeros or unallocated) and for how many bytes from there. */
  blockStatus(offset: number): BlockStatus {
    assertReadInside(offset, 1, this.size);
    const run = this.#runAt(offset, this.size);
    const kind = run.granule.kind;
    return { kind: kind === 'normal' || kind === 'compressed' ? 'data' : kind === 'zero' ? 'zero' : 'unallocated', length: run.length };
  }

  /** Releases the reader (and what it holds open). */
  close(): void {
    try {
      this.#backing?.close();
    } finally {
      this.#l2Cache.clear();
      this.#clusterCache.clear();
      this.#syncOnly.clear();
      this.#file.close();
    }
  }

  /**
   * The maximal run starting at guest `position` (before `end`) inside one L2 table whose
   * granules share a kind (and, for normal ones, follow each other in the file). A compressed
   * run never leaves its cluster.
   */
  #runAt(position: number, end: number): Run {
    const { bytesPerL2Table, clusterSize } = this.header;
    const tableStart = position - (position % bytesPerL2Table);
    const runLimit = Math.min(end, tableStart + bytesPerL2Table);
    const table = this.#tableFor(tableStart / bytesPerL2Table);
    const unallocated: Granule = { kind: 'unallocated', host: 0, compressedBytes: 0 };
    if (!table) return { granule: unallocated, host: 0, length: runLimit - position };
    const step = granuleBytes(this.#layout);
    const first = this.#granuleAt(table, position - tableStart);
    const host = first.host + (position % clusterSize);
    if (first.kind === 'compressed') return { granule: first, host, length: Math.min(runLimit, position - (position % clusterSize) + clusterSize) - position };
    let next = position - (position % step) + step;
    while (next < runLimit) {
      const granule = this.#granuleAt(table, next - tableStart);
      if (granule.kind !== first.kind || (first.kind === 'normal' && granule.host + (next % clusterSize) !== host + (next - position))) break;
      next += step;
    }
    return { granule: first, host, length: Math.min(next, runLimit) - position };
  }

  /** Decodes the granule at byte `inTable` of the range one L2 table maps. */
  #granuleAt(table: DataView, inTable: number): Granule {
    const { clusterSize } = this.header;
    const index = Math.floor(inTable / clusterSize);
    const granule = this.#layout.extendedL2 ? Math.floor((inTable % clusterSize) / granuleBytes(this.#layout)) : 0;
    const decoded = decodeGranule(table, index, granule, this.#layout);
    if (decoded.kind === 'invalid') throw new ImageCorruptionError(`qcow2 extended L2 entry ${index} has contradictory allocation bits`);
    return decoded;
  }

  /** The L2 table for L1 entry `l1Index`, or null when it is unallocated. */
  #tableFor(l1Index: number): DataView | null {
    const offset = decodeL1Entry(this.#l1, l1Index, this.#layout);
    if (offset === 0) return null;
    const cached = this.#l2Cache.get(offset);
    if (cached) return cached;
    const table = new Uint8Array(this.header.clusterSize);
    readFully(this.#file, table, offset);
    const view = viewOf(table);
    this.#l2Cache.set(offset, view, table.byteLength);
    return view;
  }

  /**
   * Inside `runDeferringInflate`: throws `InflatePendingError` for the compressed clusters of
   * guest bytes `[offset, end)` that are not decoded yet, having read their compressed bytes (so a
   * remote base fetches them first). Returns, to decode synchronously, when there are none, or more
   * than half the cache holds (they could not all stay in it for the retry).
   */
  #deferMissingClusters(offset: number, end: number, inflate: AsyncRawInflate): void {
    const { clusterSize } = this.header;
    const jobs: InflateJob[] = [];
    const listed = new Set<number>();
    for (let position = offset; position < end; ) {
      const run = this.#runAt(position, end);
      const { granule } = run;
      position += run.length;
      if (granule.kind !== 'compressed' || listed.has(granule.host) || this.#syncOnly.has(granule.host)) continue;
      if (this.#clusterCache.get(granule.host)) continue;
      listed.add(granule.host);
      const input = new Uint8Array(granule.compressedBytes);
      readFully(this.#file, input, granule.host);
      jobs.push({
        input,
        outputBytes: clusterSize,
        deliver: (output) => (output ? this.#clusterCache.set(granule.host, output, clusterSize) : this.#syncOnly.add(granule.host)),
      });
    }
    if (jobs.length === 0 || jobs.length * clusterSize * 2 > COMPRESSED_CACHE_BYTES) return;
    throw new InflatePendingError(jobs, inflate);
  }

  /** The decompressed cluster a compressed granule describes (cached; owned by the cache). */
  #decompressed(granule: Granule): Uint8Array {
    const cached = this.#clusterCache.get(granule.host);
    if (cached) return cached;
    const { clusterSize } = this.header;
    const input = new Uint8Array(granule.compressedBytes);
    readFully(this.#file, input, granule.host);
    const output = new Uint8Array(clusterSize);
    const what = `qcow2 compressed cluster at 0x${granule.host.toString(16)}`;
    if (this.header.compressionType === 'zstd') zstdDecompressInto(input, output, what);
    else if (this.#inflateRaw?.(input, output) !== clusterSize) inflateRawInto(input, output, what);
    this.#clusterCache.set(granule.host, output, clusterSize);
    return output;
  }
}
