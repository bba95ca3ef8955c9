/**
 * Recipe stamps: the hash of every source that decides what the build produces. A folder of
 * assets is up to date when all its files are there and its stamp holds the current hash.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every file under `path` (or `path` itself), sorted, as absolute paths. */
function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .map((entry) => join(path, entry.name))
    .sort()
    .flatMap((child) => filesUnder(child));
}

/** SHA-256 (hex) over the paths (relative to `root`) and contents of every file under `sources`. */
export function recipeHash(root: string, sources: readonly string[]): string {
  const hash = createHash('sha256');
  for (const file of sources.flatMap((source) => filesUnder(join(root, source)))) {
    hash.update(`${relative(root, file).split('\\').join('/')}\0`);
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** True when every file of `required` is in `dir` and `dir/stampName` holds `hash`. */
export function isUpToDate(dir: string, required: readonly string[], stampName: string, hash: string): boolean {
  if (required.some((name) => !existsSync(join(dir, name)))) return false;
  const stamp = join(dir, stampName);
  return existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash;
}
