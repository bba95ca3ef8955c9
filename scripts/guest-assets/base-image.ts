/**
 * The one step that turns a file tree into the shared base image: a 64 MiB ext2 file system
 * (4 KiB blocks, 2048 inodes, no reserved blocks, fixed UUID, hash seed and time stamp).
 *
 * It is meant to be made by qedisk's own file-system layer (`src/fs/`: `formatExt` then `mkdir`,
 * `writeFile`, `symlink` with mode/uid/gid/mtime over a `MemoryDevice`). Until that formatter
 * exists, the stopgap in base-image-mke2fs.ts makes it with e2fsprogs where installed.
 */
import { buildBaseImageWithMke2fs } from './base-image-mke2fs.ts';
import type { FileTree } from './file-tree.ts';

export { GuestAssetsUnavailableError } from './base-image-mke2fs.ts';

/**
 * The ext2 image of `tree` (`BASE_IMAGE.sizeBytes` bytes, a new buffer owned by the caller), with
 * every entry's mode, owner and time as the tree gives them.
 */
export function buildBaseImage(tree: FileTree): Uint8Array {
  return buildBaseImageWithMke2fs(tree);
}
