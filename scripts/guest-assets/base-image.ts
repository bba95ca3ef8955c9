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

/**
 * The ext2 image of `tree` (`BASE_IMAGE.sizeBytes` bytes, a new buffer owned by the caller), with
 * every entry's mode, owner and time as the tree gives them. The root directory gets the file
 * system's time and root's ownership from `formatExt`. Throws the layer's `FsError`s (e.g. no space).
 */
export function buildBaseImage(tree: FileTree): Uint8Array {
  const device = new MemoryDevice(BASE_IMAGE.sizeBytes);
  const fs = formatExt(device, {
    kind: 'ext2',
    blockSize: BASE_IMAGE.blockSizeBytes,
    inodeCount: BASE_IMAGE.inodeCount,
    label: BASE_IMAGE.label,
    uuid: BASE_IMAGE.uuid,
    hashSeed: BASE_IMAGE.hashSeed,
    timestamp: BASE_IMAGE.timestamp,
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
