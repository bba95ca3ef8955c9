/** The FAT boot sector (BIOS parameter block): geometry, FAT type by cluster count, label. */
import { latin1, u16, u32, u8 } from '../bytes.ts';
import { FsCorruptionError, FsNotAFileSystemError } from '../errors.ts';

/** FAT12, FAT16 or FAT32, decided by the number of clusters as the specification says. */
export type FatType = 12 | 16 | 32;

/** Where everything is on a FAT volume, in bytes and sectors. */
export interface FatGeometry {
  type: FatType;
  bytesPerSector: number;
  sectorsPerCluster: number;
  clusterBytes: number;
  reservedSectors: number;
  fatCount: number;
  /** Entries of the fixed root directory (FAT12/16); 0 on FAT32. */
  rootEntries: number;
  totalSectors: number;
  fatSectors: number;
  /** Byte offset of the fixed root directory (FAT12/16). */
  rootDirOffset: number;
  /** Byte offset of cluster 2. */
  dataOffset: number;
  /** Data clusters; valid cluster numbers are 2 .. clusterCount + 1. */
  clusterCount: number;
  /** First cluster of the root directory on FAT32; 0 on FAT12/16. */
  rootCluster: number;
  /** FSInfo sector number on FAT32, 0 when there is none. */
  fsInfoSector: number;
  label: string;
  media: number;
}

/** Decodes boot sector `sector` of a volume of `deviceBytes` bytes; throws for a non-FAT or impossible one. */
export function decodeBootSector(sector: Uint8Array, deviceBytes: number): FatGeometry {
  if (u8(sector, 510) !== 0x55 || u8(sector, 511) !== 0xaa) throw new FsNotAFileSystemError('no FAT boot sector signature');
  const bytesPerSector = u16(sector, 11);
  const sectorsPerCluster = u8(sector, 13);
  const reservedSectors = u16(sector, 14);
  const fatCount = u8(sector, 16);
  const rootEntries = u16(sector, 17);
  const totalSectors = u16(sector, 19) || u32(sector, 32);
  const fatSectors = u16(sector, 22) || u32(sector, 36);
  const bad = (what: string): never => {
    throw new FsCorruptionError(`FAT boot sector: ${what}`);
  };
  if (![512, 1024, 2048, 4096].includes(bytesPerSector)) bad(`${bytesPerSector} bytes per sector`);
  if (sectorsPerCluster === 0 || (sectorsPerCluster & (sectorsPerCluster - 1)) !== 0) bad(`${sectorsPerCluster} sectors per cluster`);
  if (reservedSectors === 0 || fatCount === 0 || fatSectors === 0 || totalSectors === 0) bad('zero reserved sectors, FATs, FAT size or total size');
  if (totalSectors * bytesPerSector > deviceBytes) bad(`volume of ${totalSectors} sectors is larger than its ${deviceBytes}-byte device`);
  const rootDirSectors = Math.ceil((rootEntries * 32) / bytesPerSector);
  const firstDataSector = reservedSectors + fatCount * fatSectors + rootDirSectors;
  if (firstDataSector >= totalSectors) bad('no room for data after the FATs');
  const clusterCount = Math.floor((totalSectors - firstDataSector) / sectorsPerCluster);
  const type: FatType = clusterCount < 4085 ? 12 : clusterCount < 65525 ? 16 : 32;
  const entryBits = type === 12 ? 1.5 : type === 16 ? 2 : 4;
  if (Math.ceil((clusterCount + 2) * entryBits) > fatSectors * bytesPerSector) bad(`FAT of ${fatSectors} sectors is too small for ${clusterCount} clusters`);
  if (type === 32 && rootEntries !== 0) bad('FAT32 with a fixed root directory');
  if (type !== 32 && rootEntries === 0) bad('FAT12/16 without root directory entries');
  const extended = type === 32 ? 64 : 36;
  const hasLabel = u8(sector, extended + 2) === 0x29;
  const rootCluster = type === 32 ? u32(sector, 44) : 0;
  if (type === 32 && (rootCluster < 2 || rootCluster > clusterCount + 1)) bad(`root cluster ${rootCluster}`);
  return {
    type,
    bytesPerSector,
    sectorsPerCluster,
    clusterBytes: bytesPerSector * sectorsPerCluster,
    reservedSectors,
    fatCount,
    rootEntries,
    totalSectors,
    fatSectors,
    rootDirOffset: (reservedSectors + fatCount * fatSectors) * bytesPerSector,
    dataOffset: firstDataSector * bytesPerSector,
    clusterCount,
    rootCluster,
    fsInfoSector: type === 32 ? u16(sector, 48) : 0,
    label: hasLabel ? latin1(sector.subarray(extended + 7, extended + 18)).trimEnd() : '',
    media: u8(sector, 21),
  };
}

/** Byte offset of cluster `cluster` (2 or more). */
export function clusterOffset(geometry: FatGeometry, cluster: number): number {
  return geometry.dataOffset + (cluster - 2) * geometry.clusterBytes;
}
