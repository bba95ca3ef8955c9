/** The file type of an inode's mode, as the facade names it and as directory entries code it. */
import type { FileType } from '../file-system.ts';
import { DIRENT_TYPE, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK } from './constants.ts';

/** Each mode format with its facade name and directory-entry code. */
const FORMATS: ReadonlyArray<readonly [number, FileType, number]> = [
  [S_IFREG, 'file', DIRENT_TYPE.file],
  [S_IFDIR, 'directory', DIRENT_TYPE.directory],
  [S_IFLNK, 'symlink', DIRENT_TYPE.symlink],
  [S_IFCHR, 'char-device', DIRENT_TYPE.charDevice],
  [S_IFBLK, 'block-device', DIRENT_TYPE.blockDevice],
  [S_IFIFO, 'fifo', DIRENT_TYPE.fifo],
  [S_IFSOCK, 'socket', DIRENT_TYPE.socket],
];

/** The facade's name for the type in `mode`. */
export function fileTypeOf(mode: number): FileType {
  return FORMATS.find(([format]) => format === (mode & S_IFMT))?.[1] ?? 'unknown';
}

/** The directory-entry type code for `mode` (the filetype feature). */
export function direntType(mode: number): number {
  return FORMATS.find(([format]) => format === (mode & S_IFMT))?.[2] ?? DIRENT_TYPE.unknown;
}
