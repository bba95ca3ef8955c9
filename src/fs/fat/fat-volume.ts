/**
 * One FAT volume's shared state and the batch of one operation: loaded directories, deferred
 * cluster frees, and the commit that writes FATs, directory sectors and FSInfo in a safe order.
 */
import type { BlockDevice } from '../block-device.ts';
import { readBytes } from '../block-device.ts';
import type { DataSource } from '../file-system.ts';
import { PendingData, bufferSource } from '../pending-data.ts';
import { setU32, u32 } from '../bytes.ts';
import { FsCorruptionError } from '../errors.ts';
import type { FatGeometry } from './boot-sector.ts';
import { decodeBootSector } from './boot-sector.ts';
import type { FatDir } from './directory.ts';
import { ENTRY_BYTES, loadDir, slotOffset } from './directory.ts';
import { FatTable } from './fat-table.ts';

const FSINFO_LEAD = 0x41615252;
const FSINFO_STRUCT = 0x61417272;

/** The state of an open FAT volume. */
export class FatVolume {
  readonly device: BlockDevice;
  readonly geometry: FatGeometry;
  readonly fat: FatTable;
  /** Counters for tests that bound work. */
  readonly counters = { bytesRead: 0 };
  #dirs = new Map<number, FatDir>();
  #deferred: number[] = [];
  readonly #data = new PendingData();

  constructor(device: BlockDevice) {
    this.device = device;
    this.geometry = decodeBootSector(readBytes(device, 0, 512), device.size);
    if (this.geometry.bytesPerSector !== 512 && device.size < this.geometry.bytesPerSector) throw new FsCorruptionError('device smaller than one sector');
    this.fat = new FatTable(device, this.geometry);
  }

  /** Reads `length` bytes at `offset` of the device. */
  readAt(offset: number, length: number): Uint8Array {
    this.counters.bytesRead += length;
    return readBytes(this.device, offset, length);
  }

  /** The directory starting at `cluster` (0: fixed root), loaded once per operation. */
  dir(cluster: number): FatDir {
    const key = cluster;
    const cached = this.#dirs.get(key);
    if (cached) return cached;
    const dir = loadDir((offset, length) => this.readAt(offset, length), this.geometry, this.fat, cluster);
    this.#dirs.set(key, dir);
    return dir;
  }

  /** The root directory's first cluster (0 for the fixed FAT12/16 root). */
  get rootCluster(): number {
    return this.geometry.type === 32 ? this.geometry.rootCluster : 0;
  }

  /** Queues `data` (kept, not copied) for byte `offset` of clusters free on disk; written first at commit. */
  writeData(offset: number, data: Uint8Array): void {
    this.#data.add(offset, bufferSource(data), 0, data.length);
  }

  /** Queues `length` bytes of `source` from `from` for byte `offset`, then `padding` zeros; read at commit. */
  writeSource(offset: number, source: DataSource, from: number, length: number, padding: number): void {
    this.#data.add(offset, source, from, length, padding);
  }

  /** Frees the chain from `cluster` when the operation commits. */
  freeChainLater(cluster: number): void {
    if (cluster !== 0) this.#deferred.push(cluster);
  }

  /** Writes everything the operation changed: `grow` puts FAT entries before directory entries, `shrink` the reverse. */
  commit(shape: 'grow' | 'shrink'): void {
    const write = this.device.write;
    if (!write) throw new FsCorruptionError('device is read-only');
    for (const first of this.#deferred) for (const c of this.fat.chain(first)) this.fat.set(c, 0);
    this.#deferred = [];
    // File data first: it lands in clusters no entry on disk points to yet.
    this.#data.writeAll(this.device, write);
    const writeDirs = (): void => {
      for (const dir of this.#dirs.values()) {
        const sectors = new Map<number, Uint8Array>();
        const bps = this.geometry.bytesPerSector;
        for (const slot of dir.dirty) {
          const offset = slotOffset(dir, this.geometry, slot);
          const sectorStart = offset - (offset % bps);
          if (sectors.has(sectorStart)) continue;
          const firstSlot = slot - Math.floor((offset % bps) / ENTRY_BYTES);
          sectors.set(sectorStart, dir.bytes.subarray(firstSlot * ENTRY_BYTES, firstSlot * ENTRY_BYTES + bps));
        }
        for (const [offset, bytes] of [...sectors].sort((a, b) => a[0] - b[0])) write.call(this.device, offset, bytes);
        dir.dirty.clear();
      }
    };
    if (shape === 'shrink') writeDirs();
    this.fat.commit(this.device);
    if (shape === 'grow') writeDirs();
    this.#writeFsInfo();
    this.device.flush?.();
    this.#dirs.clear();
  }

  /** Forgets every change of the operation. */
  rollback(): void {
    this.fat.rollback();
    this.#dirs.clear();
    this.#deferred = [];
    this.#data.clear();
  }

  /** Updates the FAT32 FSInfo free count and next-free hint, when the sector is valid. */
  #writeFsInfo(): void {
    const g = this.geometry;
    if (g.type !== 32 || g.fsInfoSector === 0 || g.fsInfoSector >= g.reservedSectors) return;
    const offset = g.fsInfoSector * g.bytesPerSector;
    const sector = this.readAt(offset, 512);
    if (u32(sector, 0) !== FSINFO_LEAD || u32(sector, 484) !== FSINFO_STRUCT) return;
    setU32(sector, 488, this.fat.freeClusters);
    setU32(sector, 492, this.fat.hint);
    this.device.write?.(offset, sector);
  }
}
