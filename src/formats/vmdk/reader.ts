/**
 * A read-only VMDK sparse extent (monolithicSparse, streamOptimized) over a `SyncFile`. Grain
 * tables are cached; deflated grains are decompressed whole and the last few kept. Text
 * descriptors (multi-file disks) and delta disks are refused.
 */
import type { SyncFile } from '../../engine/sync-file.ts';
import { readFully } from '../../engine/sync-file.ts';
import { hasAscii, readU32LE, viewOf } from '../codec/bytes.ts';
import { inflateZlibInto } from '../codec/inflate.ts';
import { type BlockHost, BlockMapReader } from '../block-map.ts';
import { ImageCorruptionError, ImageUnsupportedError } from '../errors.ts';
import { readMetadata } from '../file-read.ts';
import { type ImageReader, assertReadInside } from '../image-reader.ts';
import { LruCache } from '../lru-cache.ts';
import { VMDK_FOOTER_AREA_BYTES, VMDK_HEADER_BYTES, VMDK_SPARSE_MAGIC_TEXT, type VmdkHeader, checkVmdkDescriptor, decodeVmdkHeader, footerHeaderBytes, hasFooterHeader, looksLikeVmdkDescriptor } from './header.ts';

/** Grain table cache budget, in bytes. */
const GRAIN_TABLE_CACHE_BYTES = 1024 * 1024;
/** Decompressed grain cache budget, in bytes. */
const GRAIN_CACHE_BYTES = 4 * 1024 * 1024;
/** Most descriptor bytes read to look for a parent link (QEMU reads 10 KiB). */
const MAX_DESCRIPTOR_BYTES = 10 * 1024;
/** Bytes of a grain marker before compressed data: LBA (u64) and size (u32). */
const GRAIN_MARKER_BYTES = 12;

/** A VMDK sparse extent opened read-only. */
export class VmdkReader extends BlockMapReader implements ImageReader {
  /** The image format's name, as qemu-img names it. */
  readonly format = 'vmdk' as const;
  /** The decoded header (the footer's copy for streamOptimized images that have one). */
  readonly header: VmdkHeader;
  readonly #directory: DataView;
  readonly #tables = new LruCache<DataView>(GRAIN_TABLE_CACHE_BYTES);
  readonly #grains = new LruCache<Uint8Array>(GRAIN_CACHE_BYTES);

  private constructor(file: SyncFile, header: VmdkHeader, directory: DataView) {
    super(file, header.size, header.grainBytes);
    this.header = header;
    this.#directory = directory;
  }

  /** Opens `file` (taken over only on success). Throws `ImageFormatError` or `ImageUnsupportedError`. */
  static open(file: SyncFile): VmdkReader {
    const first = readMetadata(file, 0, VMDK_HEADER_BYTES, 'VMDK header');
    if (looksLikeVmdkDescriptor(first)) throw new ImageUnsupportedError('VMDK text descriptors (multi-file disks) are not supported; convert with qemu-img first');
    let headerBytes = first;
    const fileSize = file.getSize();
    if (hasAscii(first, 0, VMDK_SPARSE_MAGIC_TEXT) && hasFooterHeader(first)) {
      const end = fileSize - (fileSize % 512);
      headerBytes = footerHeaderBytes(readMetadata(file, Math.max(0, end - VMDK_FOOTER_AREA_BYTES), VMDK_FOOTER_AREA_BYTES, 'VMDK footer'));
    }
    const header = decodeVmdkHeader(headerBytes);
    if (fileSize < header.overheadBytes) throw new ImageCorruptionError(`VMDK file truncated: expecting at least ${header.overheadBytes} bytes`);
    if (header.descriptorOffset > 0 && header.descriptorBytes > 0) {
      checkVmdkDescriptor(readMetadata(file, header.descriptorOffset, Math.min(header.descriptorBytes, MAX_DESCRIPTOR_BYTES), 'VMDK descriptor'));
    }
    const directory = viewOf(readMetadata(file, header.gdOffset, header.gdEntries * 4, 'VMDK grain directory'));
    return new VmdkReader(file, header, directory);
  }

  /** Fills `target` with the disk's bytes at `offset`, inflating compressed grains whole. */
  override readInto(offset: number, target: Uint8Array): void {
    if (!this.header.compressed) {
      super.readInto(offset, target);
      return;
    }
    assertReadInside(offset, target.byteLength, this.size);
    const { grainBytes } = this.header;
    const end = offset + target.byteLength;
    for (let position = offset; position < end; ) {
      const inGrain = position % grainBytes;
      const length = Math.min(end, position - inGrain + grainBytes) - position;
      const piece = target.subarray(position - offset, position - offset + length);
      const host = this.hostOf(Math.floor(position / grainBytes));
      if (typeof host !== 'number') piece.fill(0);
      else {
        const grain = this.#grain(host);
        if (inGrain + length > grain.byteLength) throw new ImageCorruptionError(`VMDK grain at ${host} holds only ${grain.byteLength} bytes`);
        piece.set(grain.subarray(inGrain, inGrain + length));
      }
      position += length;
    }
  }

  /** Drops the caches and closes the file. */
  override close(): void {
    this.#tables.clear();
    this.#grains.clear();
    super.close();
  }

  /** File offset of grain `index` (of its marker, for compressed grains), `zero`, or null. */
  protected override hostOf(index: number): BlockHost {
    const { gtesPerGt, zeroedGrains } = this.header;
    const tableSector = readU32LE(this.#directory, Math.floor(index / gtesPerGt) * 4);
    if (tableSector === 0) return null;
    const entry = readU32LE(this.#table(tableSector), (index % gtesPerGt) * 4);
    if (entry === 0) return null;
    if (entry === 1 && zeroedGrains) return 'zero';
    return entry * 512;
  }

  /** The grain table at sector `sector` (cached). */
  #table(sector: number): DataView {
    const cached = this.#tables.get(sector);
    if (cached) return cached;
    const bytes = new Uint8Array(this.header.gtesPerGt * 4);
    readFully(this.file, bytes, sector * 512);
    const view = viewOf(bytes);
    this.#tables.set(sector, view, bytes.byteLength);
    return view;
  }

  /** The decompressed grain whose data (or marker) is at file offset `host` (cached). */
  #grain(host: number): Uint8Array {
    const cached = this.#grains.get(host);
    if (cached) return cached;
    const { grainBytes, markers } = this.header;
    let dataLength = 2 * grainBytes;
    let dataStart = host;
    if (markers) {
      const marker = new Uint8Array(GRAIN_MARKER_BYTES);
      readFully(this.file, marker, host);
      dataLength = readU32LE(viewOf(marker), 8);
      dataStart = host + GRAIN_MARKER_BYTES;
      if (dataLength === 0 || dataLength > 2 * grainBytes) throw new ImageCorruptionError(`VMDK compressed grain at ${host} claims ${dataLength} bytes`);
    }
    const input = new Uint8Array(dataLength);
    readFully(this.file, input, dataStart);
    const output = new Uint8Array(grainBytes);
    const produced = inflateZlibInto(input, output, `VMDK grain at ${host}`, markers);
    const grain = output.subarray(0, produced);
    this.#grains.set(host, grain, grainBytes);
    return grain;
  }
}
