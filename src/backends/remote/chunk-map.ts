/**
 * The chunk map of a remote-file cache: which fixed-size chunks of the remote file are durably
 * stored in the cache file. Kept in its own small `SyncFile`, little-endian:
 *
 * ```
 * offset  size  field
 *      0     8  magic "QDSKCMAP"
 *      8     4  version (1)
 *     12     4  chunk size in bytes (a power of two, 4 KiB to 16 MiB)
 *     16     8  remote file size in bytes
 *     24     4  metadata length in bytes
 *     28     4  bitmap offset in bytes (a multiple of 512)
 *     32     n  metadata: UTF-8 JSON {"url", "etag", "lastModified"}
 * bitmap     b  one bit per chunk, bit (i % 8) of byte (i / 8) set when chunk i is cached
 * ```
 */
import { isPowerOfTwo, readU32LE, readU64AsOffset, viewOf, writeOffsetAsU64, writeU32LE } from '../../qed/bytes.ts';
import { QedArgumentError, QedCorruptionError } from '../../qed/errors.ts';
import { type SyncFile, readFully, writeFully } from '../../engine/sync-file.ts';
import type { ChunkRange } from './backing-pending-error.ts';
import type { RemoteIdentity } from './remote-identity.ts';

/** Magic at offset 0 of a chunk map. */
const MAGIC = new TextEncoder().encode('QDSKCMAP');
/** Layout version written and accepted. */
const VERSION = 1;
/** Offsets of the fixed header fields, in bytes. */
const OFFSET = { magic: 0, version: 8, chunkSize: 12, size: 16, metaLength: 24, bitmapOffset: 28, meta: 32 } as const;
/** Alignment of the bitmap in bytes. */
const BITMAP_ALIGN_BYTES = 512;
/** Longest metadata accepted, in bytes. */
const MAX_META_BYTES = 64 * 1024;
/** Smallest chunk size in bytes. */
export const MIN_CHUNK_SIZE_BYTES = 4096;
/** Largest chunk size in bytes. */
export const MAX_CHUNK_SIZE_BYTES = 16 * 1024 * 1024;
/** Chunk size used when none is given, in bytes (the default QED cluster size). */
export const DEFAULT_CHUNK_SIZE_BYTES = 64 * 1024;

/** The presence bitmap of a remote file's chunks, persisted in a `SyncFile` it owns. */
export class ChunkMap {
  readonly #file: SyncFile;
  readonly #bits: Uint8Array;
  readonly #bitmapOffset: number;
  #present: number;
  /** The remote file the cache holds bytes of. */
  readonly identity: RemoteIdentity;
  /** Bytes per chunk. */
  readonly chunkSize: number;
  /** Chunks in the remote file: ceil(size / chunkSize). */
  readonly chunkCount: number;

  private constructor(file: SyncFile, identity: RemoteIdentity, chunkSize: number, bitmapOffset: number, bits: Uint8Array) {
    this.#file = file;
    this.identity = identity;
    this.chunkSize = chunkSize;
    this.chunkCount = Math.ceil(identity.size / chunkSize);
    this.#bitmapOffset = bitmapOffset;
    this.#bits = bits;
    this.#present = 0;
    for (let i = 0; i < this.chunkCount; i++) if (this.has(i)) this.#present++;
  }

  /**
   * Writes an empty map for `identity` with `chunkSize`-byte chunks into `file` (whatever it held
   * is discarded) and flushes it. Throws `QedArgumentError` for a bad chunk size or identity.
   */
  static create(file: SyncFile, identity: RemoteIdentity, chunkSize: number = DEFAULT_CHUNK_SIZE_BYTES): ChunkMap {
    if (!isPowerOfTwo(chunkSize) || chunkSize < MIN_CHUNK_SIZE_BYTES || chunkSize > MAX_CHUNK_SIZE_BYTES) {
      throw new QedArgumentError(`chunk size ${chunkSize} must be a power of 2 from ${MIN_CHUNK_SIZE_BYTES} to ${MAX_CHUNK_SIZE_BYTES} bytes`);
    }
    if (!Number.isSafeInteger(identity.size) || identity.size < 0) throw new QedArgumentError(`remote size ${identity.size} is not a byte count`);
    const meta = new TextEncoder().encode(JSON.stringify({ url: identity.url, etag: identity.etag, lastModified: identity.lastModified }));
    if (meta.byteLength > MAX_META_BYTES) throw new QedArgumentError(`URL and validators take ${meta.byteLength} bytes, more than ${MAX_META_BYTES}`);
    const bitmapOffset = Math.ceil((OFFSET.meta + meta.byteLength) / BITMAP_ALIGN_BYTES) * BITMAP_ALIGN_BYTES;
    const header = new Uint8Array(OFFSET.meta + meta.byteLength);
    const view = viewOf(header);
    header.set(MAGIC, OFFSET.magic);
    writeU32LE(view, OFFSET.version, VERSION);
    writeU32LE(view, OFFSET.chunkSize, chunkSize);
    writeOffsetAsU64(view, OFFSET.size, identity.size);
    writeU32LE(view, OFFSET.metaLength, meta.byteLength);
    writeU32LE(view, OFFSET.bitmapOffset, bitmapOffset);
    header.set(meta, OFFSET.meta);
    const bits = new Uint8Array(Math.ceil(Math.ceil(identity.size / chunkSize) / 8));
    file.truncate(0);
    writeFully(file, header, 0);
    file.truncate(bitmapOffset + bits.byteLength);
    file.flush();
    return new ChunkMap(file, { ...identity }, chunkSize, bitmapOffset, bits);
  }

  /** Reads the map in `file`. Throws `QedCorruptionError` when it is not a valid chunk map. */
  static open(file: SyncFile): ChunkMap {
    const fileSize = file.getSize();
    const fixed = new Uint8Array(OFFSET.meta);
    if (fileSize < OFFSET.meta) throw new QedCorruptionError(`chunk map is ${fileSize} bytes, too short for its header`);
    readFully(file, fixed, 0);
    const view = viewOf(fixed);
    if (!MAGIC.every((byte, i) => fixed[i] === byte)) throw new QedCorruptionError('chunk map has no QDSKCMAP magic');
    const version = readU32LE(view, OFFSET.version);
    if (version !== VERSION) throw new QedCorruptionError(`chunk map version ${version} is not ${VERSION}`);
    const chunkSize = readU32LE(view, OFFSET.chunkSize);
    const size = readU64AsOffset(view, OFFSET.size);
    const metaLength = readU32LE(view, OFFSET.metaLength);
    const bitmapOffset = readU32LE(view, OFFSET.bitmapOffset);
    if (!isPowerOfTwo(chunkSize) || chunkSize < MIN_CHUNK_SIZE_BYTES || chunkSize > MAX_CHUNK_SIZE_BYTES) throw new QedCorruptionError(`chunk map has a bad chunk size ${chunkSize}`);
    if (!Number.isSafeInteger(size)) throw new QedCorruptionError('chunk map records an impossible remote size');
    if (metaLength > MAX_META_BYTES || bitmapOffset < OFFSET.meta + metaLength || bitmapOffset % BITMAP_ALIGN_BYTES !== 0) {
      throw new QedCorruptionError(`chunk map has a bad layout (metadata ${metaLength} bytes, bitmap at ${bitmapOffset})`);
    }
    const chunkCount = Math.ceil(size / chunkSize);
    const bits = new Uint8Array(Math.ceil(chunkCount / 8));
    if (fileSize < bitmapOffset + bits.byteLength) throw new QedCorruptionError(`chunk map is ${fileSize} bytes, too short for ${chunkCount} chunks`);
    const meta = new Uint8Array(metaLength);
    readFully(file, meta, OFFSET.meta);
    readFully(file, bits, bitmapOffset);
    if (chunkCount % 8 !== 0) bits[bits.byteLength - 1]! &= (1 << chunkCount % 8) - 1;
    return new ChunkMap(file, { ...decodeMeta(meta), size }, chunkSize, bitmapOffset, bits);
  }

  /** Chunks currently marked cached. */
  get presentCount(): number {
    return this.#present;
  }

  /** Bytes of the remote file covered by cached chunks (the last chunk may be short). */
  get presentBytes(): number {
    if (this.chunkCount === 0) return 0;
    const last = this.chunkCount - 1;
    return this.#present * this.chunkSize - (this.has(last) ? this.chunkSize - this.chunkLength(last) : 0);
  }

  /** Length in bytes of chunk `index` (the last chunk ends at the remote file's end). */
  chunkLength(index: number): number {
    return Math.min(this.chunkSize, this.identity.size - index * this.chunkSize);
  }

  /** True when chunk `index` is marked cached. */
  has(index: number): boolean {
    return ((this.#bits[index >> 3] ?? 0) & (1 << (index & 7))) !== 0;
  }

  /** The chunks in `[first, end)` not marked cached, as maximal runs in ascending order. */
  missing(first: number = 0, end: number = this.chunkCount): ChunkRange[] {
    const runs: ChunkRange[] = [];
    let runStart = -1;
    for (let i = Math.max(0, first); i <= Math.min(end, this.chunkCount); i++) {
      const absent = i < Math.min(end, this.chunkCount) && !this.has(i);
      if (absent && runStart < 0) runStart = i;
      if (!absent && runStart >= 0) {
        runs.push({ first: runStart, count: i - runStart });
        runStart = -1;
      }
    }
    return runs;
  }

  /** Marks chunks `first` to `first + count - 1` cached, writes the changed bitmap bytes and flushes. */
  mark(first: number, count: number): void {
    this.#update(first, count, true);
  }

  /** Marks chunks `first` to `first + count - 1` not cached, writes the changed bitmap bytes and flushes. */
  unmark(first: number, count: number): void {
    this.#update(first, count, false);
  }

  /** Closes the map's file. */
  close(): void {
    this.#file.close();
  }

  #update(first: number, count: number, present: boolean): void {
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(count) || first < 0 || count < 0 || first + count > this.chunkCount) {
      throw new QedArgumentError(`chunks ${first} + ${count} lie outside the ${this.chunkCount} chunks of the map`);
    }
    if (count === 0) return;
    for (let i = first; i < first + count; i++) {
      if (this.has(i) === present) continue;
      this.#bits[i >> 3]! ^= 1 << (i & 7);
      this.#present += present ? 1 : -1;
    }
    const startByte = first >> 3;
    const endByte = ((first + count - 1) >> 3) + 1;
    writeFully(this.#file, this.#bits.subarray(startByte, endByte), this.#bitmapOffset + startByte);
    this.#file.flush();
  }
}

/** Decodes the metadata JSON, throwing `QedCorruptionError` when it is not what `create` wrote. */
function decodeMeta(bytes: Uint8Array): Omit<RemoteIdentity, 'size'> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new QedCorruptionError('chunk map metadata is not UTF-8 JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) throw new QedCorruptionError('chunk map metadata is not an object');
  const url: unknown = Reflect.get(parsed, 'url');
  const etag: unknown = Reflect.get(parsed, 'etag');
  const lastModified: unknown = Reflect.get(parsed, 'lastModified');
  if (typeof url !== 'string' || !isNullableString(etag) || !isNullableString(lastModified)) {
    throw new QedCorruptionError('chunk map metadata lacks url, etag or lastModified');
  }
  return { url, etag, lastModified };
}

/** True for a string or null. */
function isNullableString(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}
