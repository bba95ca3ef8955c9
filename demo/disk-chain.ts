/**
 * What the demo needs to know about a disk's backing chain (`DiskInfo.chain`, direct base first):
 * whether its overlay sits on one of its snapshots (files that stay in this browser, so an
 * overlay export alone would name a file nobody can download), and its original base below the
 * snapshots, if any.
 */
import type { ChainLevel, DiskInfo } from 'qedisk';

/** A snapshot file name as the worker writes it: `NAME.<id>.qsnap`. */
const SNAPSHOT_FILE = /\.\d+\.qsnap$/;

/** The disk's chain, direct base first (from `info.chain`, or from its backing name alone). */
function levels(info: Pick<DiskInfo, 'chain' | 'backingFile'>): readonly Pick<ChainLevel, 'name' | 'kind'>[] {
  if (info.chain) return info.chain;
  if (info.backingFile === null) return [];
  return [{ name: info.backingFile, kind: SNAPSHOT_FILE.test(info.backingFile) ? 'snapshot' : 'disk' }];
}

/** True when the disk's overlay reads through one of its snapshots. */
export function sitsOnSnapshot(info: Pick<DiskInfo, 'chain' | 'backingFile'>): boolean {
  return levels(info)[0]?.kind === 'snapshot';
}

/** The base below the disk's snapshots (an URL or an OPFS file), or null for a disk that stands alone. */
export function originalBase(info: Pick<DiskInfo, 'chain' | 'backingFile'>): Pick<ChainLevel, 'name' | 'kind'> | null {
  return levels(info).find((level) => level.kind !== 'snapshot') ?? null;
}
