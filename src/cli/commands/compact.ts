/** `qedisk compact`: rewrite an image without leaked clusters and with all-zero clusters dropped. */
import { closeSync, fsyncSync, openSync, statSync, chmodSync } from 'node:fs';
import { dirname } from 'node:path';
import { NodeFile } from '../../backends/node-file.ts';
import { compactImageSteps } from '../../engine/compact.ts';
import type { CompactReport } from '../../engine/types.ts';
import { parseArgs } from '../args.ts';
import { writeAtomically } from '../atomic-output.ts';
import type { Command } from '../command.ts';
import { withPath } from '../errors.ts';
import { watchInterrupts } from '../interrupt.ts';
import { printJson, printLines } from '../output.ts';
import { createProgress } from '../progress.ts';
import { formatSize } from '../size.ts';

/** The `compact` command. */
export const compactCommand: Command = {
  name: 'compact',
  summary: 'rewrite an image without leaked clusters, all-zero clusters dropped',
  usage: 'compact [--json] FILE [OUT]',
  details: [
    'Rewrites the QED image FILE into a new file that holds only what the guest can read:',
    'clusters nothing references (left by a crash during a write, or freed by discards) are',
    'dropped, and data clusters that hold only zeros become zero clusters (over a backing file)',
    'or unallocated ones (without). The backing file name, the geometry and every guest byte',
    'stay as they are; the backing file itself is not opened. The new file is written under a',
    'temporary name, synced, and renamed over FILE (or to OUT when given), so a crash leaves',
    'the old image or the new one, never a mix. A corrupted image is refused: repair it first',
    '(qedisk check --repair). A progress percentage is shown on stderr when it is a terminal.',
    '',
    '  --json  print one JSON object (bytesBefore, bytesAfter, dataClusters,',
    '          zeroClustersDropped, leakedClustersDropped, tables)',
  ],
  async run(argv) {
    const { options, positionals } = parseArgs(argv, { json: { type: 'boolean' } } as const, { names: ['FILE', 'OUT'], required: 1 });
    const [path, out] = positionals as [string, string | undefined];
    const target = out ?? path;
    const source = openSource(path);
    const interrupts = watchInterrupts();
    let report: CompactReport;
    try {
      report = await writeAtomically(target, async (temporary) => {
        const output = NodeFile.open(temporary, 'create');
        const progress = createProgress();
        try {
          const steps = compactImageSteps(source, output);
          let step = steps.next();
          for (; !step.done; step = steps.next()) {
            progress.update(step.value.done, step.value.total);
            await new Promise((resolve) => setImmediate(resolve));
            interrupts.check();
          }
          progress.finish();
          chmodSync(temporary, statSync(path).mode & 0o7777);
          return step.value;
        } catch (error) {
          progress.abandon();
          throw error;
        } finally {
          output.close();
        }
      });
      syncDirectory(dirname(target));
    } catch (error) {
      throw withPath(error, path);
    } finally {
      interrupts.dispose();
      source.close();
    }
    if (options.json) await printJson(report);
    else await printLines(describeCompaction(target, report));
    return 0;
  },
};

/** Opens the image to compact read-only; errors carry its path. */
function openSource(path: string): NodeFile {
  try {
    return NodeFile.open(path, 'read');
  } catch (error) {
    throw withPath(error, path);
  }
}

/** Makes the rename durable: fsync of the directory that holds the new file (best effort). */
function syncDirectory(directory: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(directory, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems refuse to sync a directory; the rename itself is atomic regardless.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** The human-readable lines of `compact`. */
export function describeCompaction(path: string, report: CompactReport): string[] {
  const saved = report.bytesBefore - report.bytesAfter;
  return [
    `${path}: ${formatSize(report.bytesBefore)} -> ${formatSize(report.bytesAfter)} (${report.bytesBefore} -> ${report.bytesAfter} bytes, ${saved >= 0 ? `${saved} bytes freed` : `${-saved} bytes more`})`,
    `  ${report.dataClusters} data clusters kept, ${report.zeroClustersDropped} all-zero clusters and ${report.leakedClustersDropped} leaked clusters dropped, ${report.tables} L2 tables`,
  ];
}
