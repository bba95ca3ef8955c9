/** Gathers what the questions before destructive actions name (`destructive.ts`): sizes, snapshots, base, VM. */
import { type Disk, listSnapshots } from 'qedisk';
import type { DiskFacts } from './destructive.ts';
import type { DiskListEntry } from './disk-api.ts';

/** What the page knows: its disk list, the disk in use, and whether a VM runs on it. */
export interface FactSources {
  /** The disk list. */
  entries: readonly DiskListEntry[];
  /** The disk in use, or null. */
  current: { name: string; disk: Disk } | null;
  /** True when a VM runs (on the disk in use). */
  vmRunning: boolean;
}

/**
 * The facts of disk `name`. The allocated bytes are known only for the disk in use (the others
 * are not opened just to ask); snapshot labels come from the catalogue and the files.
 */
export async function gatherFacts(name: string, sources: FactSources): Promise<DiskFacts> {
  const entry = sources.entries.find((candidate) => candidate.name === name);
  const inUse = sources.current?.name === name ? sources.current.disk : null;
  const [info, snapshots] = await Promise.all([inUse ? inUse.info().catch(() => null) : Promise.resolve(null), listSnapshots(name).catch(() => [])]);
  return {
    name,
    size: info?.virtualSize ?? entry?.size ?? 0,
    allocatedBytes: info?.allocatedBytes ?? null,
    snapshotLabels: snapshots.map((snapshot) => snapshot.label),
    base: entry?.base ?? null,
    vmRunning: inUse !== null && sources.vmRunning,
  };
}
