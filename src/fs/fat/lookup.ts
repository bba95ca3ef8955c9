/** FAT path resolution: case-insensitive lookups from the root, `..`, and the subtree check for renames. */
import { FsNotADirectoryError, FsNotFoundError } from '../errors.ts';
import { joinPath } from '../path.ts';
import type { FatDir, FatRecord } from './directory.ts';
import { ATTR, findRecord, records } from './directory.ts';
import type { FatVolume } from './fat-volume.ts';

/** Deepest directory nesting walked when checking a rename's target. */
const MAX_DEPTH = 4096;

/** Where a path led: the record and the directory holding it (null for the root). */
export interface Located {
  dir: FatDir | null;
  record: FatRecord | null;
}

/** Follows `parts` from the root: the record they name and the directory holding it (nulls for the root). */
export function locate(volume: FatVolume, parts: readonly string[]): Located {
  let dir: FatDir | null = null;
  let record: FatRecord | null = null;
  const stack: Array<{ dir: FatDir | null; record: FatRecord | null }> = [];
  for (let i = 0; i < parts.length; i++) {
    const name = parts[i]!;
    if (name === '..') {
      ({ dir, record } = stack.pop() ?? { dir: null, record: null });
      continue;
    }
    if (record && !(record.attr & ATTR.directory)) throw new FsNotADirectoryError(`${joinPath(parts.slice(0, i))} is not a directory`);
    const current = volume.dir(record ? record.cluster : volume.rootCluster);
    const found = findRecord(current, name);
    if (!found || found.shortName === '.' || found.shortName === '..') throw new FsNotFoundError(`${joinPath(parts.slice(0, i + 1))}: no such file or directory`);
    stack.push({ dir, record });
    dir = current;
    record = found;
  }
  return { dir, record };
}

/** The directory `parts` names; throws `FsNotADirectoryError` or `FsNotFoundError`. */
export function directory(volume: FatVolume, parts: readonly string[]): FatDir {
  const { record } = locate(volume, parts);
  if (!record) return volume.dir(volume.rootCluster);
  if (!(record.attr & ATTR.directory)) throw new FsNotADirectoryError(`${joinPath(parts)} is not a directory`);
  if (record.cluster === 0) return volume.dir(volume.rootCluster);
  return volume.dir(record.cluster);
}

/** True when directory `dirCluster` is `ancestor` or lies below it (walking `..`). */
export function isInside(volume: FatVolume, dirCluster: number, ancestor: number): boolean {
  let current = dirCluster;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    if (current === ancestor) return true;
    if (current === 0 || current === volume.rootCluster) return false;
    const dotdot = records(volume.dir(current), true).find((r) => r.shortName === '..');
    if (!dotdot) return false;
    current = dotdot.cluster;
  }
  return true;
}
