/**
 * The one step that turns a file tree into the shared base image: a 64 MiB ext2 file system
 * (4 KiB blocks, 2048 inodes, no reserved blocks, fixed UUID, hash seed and time stamp), made by
 * qedisk's own file-system layer: `formatExt` over a `MemoryDevice`, then `mkdir`, `writeFile`
 * and `symlink` with each entry's mode, owner and time. Deterministic, like the layer.
 */
import { MemoryDevice } from '../../src/fs/block-device.ts';
import { formatExt } from '../../src/fs/ext/format.ts';
import { BASE_IMAGE } from './config.ts';
import type { FileTree } from './file-tree.ts';

/** Size, block size, inode count and fixed identity of a base image (`BASE_IMAGE` for the shared base). */
export interface BaseImageGeometry {
  readonly sizeBytes: number;
  readonly blockSizeBytes: number;
  readonly inodeCount: number;
  readonly label: string;
  readonly uuid: string;
  readonly hashSeed: string;
  readonly timestamp: number;
}

/**
 * The ext2 image of `tree` (`geometry.sizeBytes` bytes, default `BASE_IMAGE`, a new buffer owned by the caller), with
 * every entry's mode, owner and time as the tree gives them. The root directory gets the file
 * system's time and root's ownership from `formatExt`. Throws the layer's `FsError`s (e.g. no space).
 */
export function buildBaseImage(tree: FileTree, geometry: BaseImageGeometry = BASE_IMAGE): Uint8Array {
  const device = new MemoryDevice(geometry.sizeBytes);
  const fs = formatExt(device, {
    kind: 'ext2',
    blockSize: geometry.blockSizeBytes,
    inodeCount: geometry.inodeCount,
    label: geometry.label,
    uuid: geometry.uuid,
    hashSeed: geometry.hashSeed,
    timestamp: geometry.timestamp,
    assumeZeroed: true,
  });
  for (const entry of tree.entries()) {
    if (entry.path === '') continue;
    const path = `/${entry.path}`;
    const options = { mode: entry.mode, uid: entry.uid, gid: entry.gid, mtime: entry.mtime };
    if (entry.type === 'directory') fs.mkdir(path, options);
    else if (entry.type === 'file') fs.writeFile(path, entry.data, options);
    else fs.symlink(entry.target, path, options);
  }
  fs.flush();
  return device.bytes;
}
