/**
 * The file allocation table in memory: entries read and changed in place, an undo log for a
 * failed operation, cluster chains walked with a bound, and the changed sectors written to every
 * FAT copy on commit.
 */
import type { BlockDevice } from '../block-device.ts';
import { readBytes } from '../block-device.ts';
import { HOST_LITTLE_ENDIAN, setU16, setU32, u16, u32 } from '../bytes.ts';
import { FsCorruptionError, FsNoSpaceError, FsUnsupportedError } from '../errors.ts';
import type { FatGeometry } from './boot-sector.ts';

/** FATs larger than this are not loaded (a 1 TiB FAT32 volume with 4 KiB clusters needs 1 GiB). */
const MAX_FAT_BYTES = 512 * 1024 * 1024;

/** One FAT (copy 0) with change tracking. */
export class FatTable {
  readonly #geometry: FatGeometry;
  readonly #bytes: Uint8Array;
  readonly #dirtySectors = new Set<number>();
  /** The original bytes of every sector changed since the last commit, for `rollback`. */
  readonly #original = new Map<number, Uint8Array>();
  /** The free count at the first change since the last commit (-1: no change yet). */
  #freeBefore = -1;
  /** Value at or above which an entry ends a chain. */
  readonly endOfChain: number;
  /** Entry views for FAT32 / FAT16 on little-endian hosts (the common, fast path); null otherwise. */
  readonly #view32: Uint32Array | null;
  readonly #view16: Uint16Array | null;
  #free: number;
  #hint = 2;
  /** The sector marked last (sequential changes mostly hit it again). */
  #lastMarked = -1;

  /** Reads FAT copy 0 of the volume on `device`. */
  constructor(device: BlockDevice, geometry: FatGeometry) {
    this.#geometry = geometry;
    const bytes = geometry.fatSectors * geometry.bytesPerSector;
    if (bytes > MAX_FAT_BYTES) throw new FsUnsupportedError(`a FAT of ${bytes} bytes is larger than qedisk loads (${MAX_FAT_BYTES})`);
    this.#bytes = readBytes(device, geometry.reservedSectors * geometry.bytesPerSector, bytes);
    this.endOfChain = geometry.type === 12 ? 0xff8 : geometry.type === 16 ? 0xfff8 : 0x0ffffff8;
    const whole = this.#bytes.byteOffset === 0 && this.#bytes.byteLength === this.#bytes.buffer.byteLength;
    this.#view32 = HOST_LITTLE_ENDIAN && whole && geometry.type === 32 ? new Uint32Array(this.#bytes.buffer, 0, this.#bytes.byteLength >>> 2) : null;
    this.#view16 = HOST_LITTLE_ENDIAN && whole && geometry.type === 16 ? new Uint16Array(this.#bytes.buffer, 0, this.#bytes.byteLength >>> 1) : null;
    let free = 0;
    for (let cluster = 2; cluster < geometry.clusterCount + 2; cluster++) if (this.get(cluster) === 0) free++;
    this.#free = free;
  }

  /** Free clusters. */
  get freeClusters(): number {
    return this.#free;
  }

  /** The entry of `cluster`. */
  get(cluster: number): number {
    if (this.#view32) return (this.#view32[cluster] ?? 0) & 0x0fffffff;
    if (this.#view16) return this.#view16[cluster] ?? 0;
    const type = this.#geometry.type;
    if (type === 32) return u32(this.#bytes, cluster * 4) & 0x0fffffff;
    if (type === 16) return u16(this.#bytes, cluster * 2);
    const pair = u16(this.#bytes, Math.floor((cluster * 3) / 2));
    return cluster & 1 ? pair >>> 4 : pair & 0xfff;
  }

  /** Sets the entry of `cluster` (recording the old value for `rollback`). */
  set(cluster: number, value: number): void {
    const old = this.get(cluster);
    if (this.#freeBefore < 0) this.#freeBefore = this.#free;
    if (old === 0 && value !== 0) this.#free--;
    if (old !== 0 && value === 0) this.#free++;
    this.#raw(cluster, value);
  }

  /** The clusters of the chain starting at `first`, checked: in range, no cycle, at most `limit` long. */
  chain(first: number, limit = this.#geometry.clusterCount): number[] {
    const clusters: number[] = [];
    let cluster = first;
    while (true) {
      if (cluster < 2 || cluster >= this.#geometry.clusterCount + 2) throw new FsCorruptionError(`cluster chain from ${first} reaches invalid cluster ${cluster}`);
      if (clusters.length >= limit) throw new FsCorruptionError(`cluster chain from ${first} is longer than ${limit} clusters (a cycle?)`);
      clusters.push(cluster);
      const next = this.get(cluster);
      if (next >= this.endOfChain) return clusters;
      if (next === 0) throw new FsCorruptionError(`cluster chain from ${first} runs into free cluster ${cluster}`);
      cluster = next;
    }
  }

  /** Takes `count` free clusters (first fit from the last allocation), links them into one chain; throws `FsNoSpaceError` first when short. */
  allocate(count: number, avoid: ReadonlySet<number>): number[] {
    if (count === 0) return [];
    if (count > this.#free) throw new FsNoSpaceError(`need ${count} clusters, ${this.#free} free`);
    const clusters: number[] = [];
    const total = this.#geometry.clusterCount;
    for (let step = 0; step < total && clusters.length < count; step++) {
      const cluster = 2 + ((this.#hint - 2 + step) % total);
      if (this.get(cluster) === 0 && !avoid.has(cluster)) clusters.push(cluster);
    }
    if (clusters.length < count) throw new FsNoSpaceError(`need ${count} clusters; the FAT has fewer free`);
    clusters.forEach((cluster, i) => this.set(cluster, clusters[i + 1] ?? this.endMarker));
    this.#hint = clusters[clusters.length - 1]! + 1;
    if (this.#hint >= total + 2) this.#hint = 2;
    return clusters;
  }

  /** The end-of-chain marker to store. */
  get endMarker(): number {
    return this.#geometry.type === 32 ? 0x0fffffff : this.#geometry.type === 16 ? 0xffff : 0xfff;
  }

  /** Next cluster a FAT32 FSInfo should suggest. */
  get hint(): number {
    return this.#hint;
  }

  /** Writes the changed sectors to every FAT copy; forgets the undo log. */
  commit(device: BlockDevice): void {
    const write = device.write;
    if (!write) throw new FsCorruptionError('device is read-only');
    const g = this.#geometry;
    const sectors = [...this.#dirtySectors].sort((a, b) => a - b);
    for (let copy = 0; copy < g.fatCount; copy++) {
      const base = (g.reservedSectors + copy * g.fatSectors) * g.bytesPerSector;
      // Consecutive changed sectors go out in one write.
      for (let i = 0; i < sectors.length; ) {
        let j = i + 1;
        while (j < sectors.length && sectors[j] === sectors[j - 1]! + 1) j++;
        const first = sectors[i]!;
        const end = sectors[j - 1]! + 1;
        write.call(device, base + first * g.bytesPerSector, this.#bytes.subarray(first * g.bytesPerSector, end * g.bytesPerSector));
        i = j;
      }
    }
    this.#dirtySectors.clear();
    this.#lastMarked = -1;
    this.#original.clear();
    this.#freeBefore = -1;
  }

  /** Restores every entry changed since the last commit. */
  rollback(): void {
    const bps = this.#geometry.bytesPerSector;
    for (const [sector, bytes] of this.#original) this.#bytes.set(bytes, sector * bps);
    if (this.#freeBefore >= 0) this.#free = this.#freeBefore;
    this.#original.clear();
    this.#freeBefore = -1;
    this.#dirtySectors.clear();
    this.#lastMarked = -1;
  }

  #raw(cluster: number, value: number): void {
    const g = this.#geometry;
    let at: number;
    if (this.#view32) {
      this.#mark(cluster * 4, 4);
      this.#view32[cluster] = ((this.#view32[cluster]! & 0xf0000000) | (value & 0x0fffffff)) >>> 0;
    } else if (this.#view16) {
      this.#mark(cluster * 2, 2);
      this.#view16[cluster] = value & 0xffff;
    } else if (g.type === 32) {
      at = cluster * 4;
      this.#mark(at, 4);
      setU32(this.#bytes, at, ((u32(this.#bytes, at) & 0xf0000000) | (value & 0x0fffffff)) >>> 0);
    } else if (g.type === 16) {
      at = cluster * 2;
      this.#mark(at, 2);
      setU16(this.#bytes, at, value);
    } else {
      at = Math.floor((cluster * 3) / 2);
      this.#mark(at, 2);
      const pair = u16(this.#bytes, at);
      setU16(this.#bytes, at, cluster & 1 ? (pair & 0x000f) | ((value & 0xfff) << 4) : (pair & 0xf000) | (value & 0xfff));
    }
  }

  /** Call before changing bytes `[at, at + length)`: records the sectors as dirty and keeps their original bytes once. */
  #mark(at: number, length: number): void {
    const bps = this.#geometry.bytesPerSector;
    const first = Math.floor(at / bps);
    const last = Math.floor((at + length - 1) / bps);
    if (first === this.#lastMarked && last === first) return;
    for (let sector = first; sector <= last; sector++) {
      if (this.#dirtySectors.has(sector)) continue;
      this.#dirtySectors.add(sector);
      this.#original.set(sector, this.#bytes.slice(sector * bps, (sector + 1) * bps));
    }
    this.#lastMarked = last;
  }
}
