/** Absolute POSIX paths as the file-system facade takes them. */
import { FsInvalidPathError } from './errors.ts';

/** Longest path accepted, in characters (Linux PATH_MAX). */
export const MAX_PATH_CHARS = 4096;

/** The components of absolute `path` (`/` gives none); `.` is dropped, `..` kept for the resolver. Throws `FsInvalidPathError`. */
export function splitPath(path: string): string[] {
  if (typeof path !== 'string' || !path.startsWith('/')) throw new FsInvalidPathError(`path '${String(path)}' is not absolute`);
  if (path.length > MAX_PATH_CHARS) throw new FsInvalidPathError(`path is longer than ${MAX_PATH_CHARS} characters`);
  if (path.includes('\0')) throw new FsInvalidPathError('path contains a NUL character');
  return path.split('/').filter((part) => part !== '' && part !== '.');
}

/** Splits absolute `path` into its parent's components and its last name; throws for `/` or a final `..`. */
export function splitParent(path: string): { parent: string[]; name: string } {
  const parts = splitPath(path);
  const name = parts.pop();
  if (name === undefined) throw new FsInvalidPathError(`'${path}' names the root directory`);
  if (name === '..') throw new FsInvalidPathError(`'${path}' ends in '..'`);
  return { parent: parts, name };
}

/** `parts` joined back into an absolute path. */
export function joinPath(parts: readonly string[]): string {
  return `/${parts.join('/')}`;
}
