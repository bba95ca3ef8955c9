/** The page's `DiskInfo` made from what the engine reports: one mapping for every kind of disk. */
import type { ImageInfo } from '../engine/types.ts';
import type { DiskInfo } from './types.ts';

/** What a disk knows beyond its image: the backing chain and the HTTP base, for overlays in OPFS. */
export type DiskInfoExtras = Pick<DiskInfo, 'chain' | 'remoteBase'>;

/** `DiskInfo` of disk `name` from its image's `info`, with `extras` when the disk has them. */
export function toDiskInfo(name: string, info: ImageInfo, extras: DiskInfoExtras = {}): DiskInfo {
  return {
    name,
    virtualSize: info.virtualSize,
    physicalSize: info.physicalSize,
    clusterSize: info.clusterSize,
    allocatedBytes: info.allocatedBytes,
    needsCheck: info.needsCheck,
    backingFile: info.backingFile,
    io: info.io,
    backingFormat: info.backingFormat,
    ...extras,
  };
}
