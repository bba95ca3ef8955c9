/**
 * Writing an output file all at once: the work goes to a temporary file in the same directory,
 * which is renamed over the target only when complete, so a failure never leaves a
 * half-written target (and leaves an existing one untouched).
 */
import { renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** A temporary file standing in for `target` until `commit`. */
export interface PendingOutput {
  /** The final path. */
  readonly target: string;
  /** Where to write meanwhile: a hidden file next to `target`. */
  readonly temporary: string;
  /** Renames the temporary file over the target (atomic on one file system). */
  commit(): void;
  /** Deletes the temporary file if it exists. Never throws. */
  discard(): void;
}

/** Chooses a temporary path next to `target`; nothing is created yet. */
export function pendingOutput(target: string): PendingOutput {
  const temporary = join(dirname(target), `.${basename(target)}.qedisk-${process.pid}.tmp`);
  return {
    target,
    temporary,
    commit: () => renameSync(temporary, target),
    discard: () => {
      try {
        rmSync(temporary, { force: true });
      } catch {
        // Best effort: the error that made us discard is the one worth reporting.
      }
    },
  };
}

/**
 * Runs `produce` with the temporary path of `target`, then renames it over `target`. When
 * `produce` (or the rename) fails, the temporary file is deleted and the error rethrown.
 */
export async function writeAtomically<T>(target: string, produce: (temporary: string) => Promise<T> | T): Promise<T> {
  const output = pendingOutput(target);
  try {
    const result = await produce(output.temporary);
    output.commit();
    return result;
  } catch (error) {
    output.discard();
    throw renamePath(error, output.temporary, target);
  }
}

/** Makes a file-system error about the temporary file name the target instead, so messages make sense. */
function renamePath(error: unknown, temporary: string, target: string): unknown {
  if (error instanceof Error && 'path' in error && error.path === temporary) error.path = target;
  return error;
}
