/**
 * Compacting one QED file of a folder in place, crash-safely: the compacted copy is written to
 * `NAME.pending`, flushed and closed; then `NAME` is removed and the copy renamed to `NAME`. A
 * crash at any point leaves `NAME` complete (old or new), or no `NAME` and a complete
 * `NAME.pending`, which `recoverReplacement` renames into place; a `NAME.pending` beside a
 * present `NAME` is an unfinished copy and is dropped. The disk's own file follows the same rule
 * through `recoverSwap` (overlay-files.ts), which every open runs.
 *
 * Written over a small folder interface, not OPFS itself, so the crash tests in Node run exactly
 * this code.
 */
import { PENDING_SUFFIX } from '../../src/protocol/base-names.ts';
import { compactImageSteps } from '../../src/engine/compact.ts';
import type { SyncFile } from '../../src/engine/sync-file.ts';
import type { CompactProgress, CompactReport } from '../../src/engine/types.ts';

/** The file operations compaction needs of a folder. */
export interface CompactionFolder {
  /** Opens `name` for reading (it is not written meanwhile). */
  openRead(name: string): Promise<SyncFile>;
  /** Creates `name` empty (replacing any file of that name) and opens it for writing. */
  create(name: string): Promise<SyncFile>;
  /** The length of `name` in bytes, or null when there is no such file. */
  size(name: string): Promise<number | null>;
  /** Removes `name`; resolves false when it did not exist. */
  remove(name: string): Promise<boolean>;
  /** Renames `from` to `to` (`to` does not exist). */
  rename(from: string, to: string): Promise<void>;
}

/** Called between steps of a compaction; may await (to let other work run) and may throw (to stop it). */
export type CompactionPacer = (progress: CompactProgress) => void | Promise<void>;

/** The name of the copy that is about to replace `name`. */
export function pendingNameOf(name: string): string {
  return name + PENDING_SUFFIX;
}

/**
 * Compacts the QED file `name` of `folder` (which nobody writes meanwhile) and puts the copy in
 * its place. `pace` runs after every step (at most 1 MiB of data). On failure, the copy is
 * removed and `name` is as it was. Rejects with what `compactImageSteps` or the folder throws.
 */
export async function compactFileInFolder(folder: CompactionFolder, name: string, pace: CompactionPacer = () => undefined): Promise<CompactReport> {
  await recoverReplacement(folder, name);
  const pending = pendingNameOf(name);
  let report: CompactReport;
  const source = await folder.openRead(name);
  try {
    const target = await folder.create(pending);
    try {
      const steps = compactImageSteps(source, target);
      let step = steps.next();
      for (; !step.done; step = steps.next()) await pace(step.value);
      report = step.value; // the copy is complete, checked and flushed
    } finally {
      target.close();
    }
  } catch (error) {
    await folder.remove(pending).catch(() => false);
    throw error;
  } finally {
    source.close();
  }
  // From here on a crash leaves either `name` (old) or only the complete copy (new).
  await folder.remove(name);
  await folder.rename(pending, name);
  return report;
}

/**
 * Finishes or drops an interrupted replacement of `name`: a pending copy replaces a missing or
 * empty `name` (it was complete before `name` was removed), and is dropped otherwise.
 */
export async function recoverReplacement(folder: CompactionFolder, name: string): Promise<void> {
  const pending = pendingNameOf(name);
  if ((await folder.size(pending)) === null) return;
  const current = await folder.size(name);
  if (current !== null && current > 0) {
    await folder.remove(pending);
    return;
  }
  await folder.remove(name);
  await folder.rename(pending, name);
}
