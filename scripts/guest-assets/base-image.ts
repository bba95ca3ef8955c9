/**
 * The one step that turns a file tree into the shared base image: a 64 MiB ext2 file system
 * (4 KiB blocks, 2048 inodes, no reserved blocks, fixed UUID, hash seed and time stamp), made by
 * qedisk's own file-system layer (`src/fs/`).
 */
import { BASE_IMAGE } from './config.ts';
import { GuestAssetsError } from './errors.ts';
import type { FileTree } from './file-tree.ts';

/** The file-system layer cannot make the image yet (the ext2 formatter is not there). */
export class GuestAssetsUnavailableError extends GuestAssetsError {
  override name = 'GuestAssetsUnavailableError';
}

/**
 * The ext2 image of `tree` (`BASE_IMAGE.sizeBytes` bytes, a new buffer owned by the caller), with
 * every entry's mode, owner and time as the tree gives them.
 */
export function buildBaseImage(tree: FileTree): Uint8Array {
  void tree;
  throw new GuestAssetsUnavailableError(
    `the ${BASE_IMAGE.sizeBytes / 1024 / 1024} MiB ext2 base needs formatExt() from src/fs/, which is not there yet`,
  );
}
