/** `qedisk check`: the consistency check, with qemu-img's output and exit statuses. */
import type { CheckReport } from '../../engine/types.ts';
import { parseArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { withImage } from '../open-image.ts';
import { printJson, printLines } from '../output.ts';

/** Exit statuses of `qemu-img check`. */
export const CHECK_EXIT = { clean: 0, checkErrors: 1, corruptions: 2, leaksOnly: 3 } as const;

/** The `check` command. */
export const checkCommand: Command = {
  name: 'check',
  summary: 'check an image for corruptions and leaked clusters (optionally repair)',
  usage: 'check [--repair] [--json] FILE',
  details: [
    'Checks the L1 and L2 tables of FILE. Without --repair the file is opened read-only.',
    'Exit status as qemu-img check: 0 clean, 1 check errors, 2 corruptions, 3 only leaks',
    '(leaked clusters waste space but do no harm).',
    '',
    '  --repair  set invalid table entries to 0 and cut leaked clusters off the end of the',
    '            file (the space a crash during a write left behind), then check again and',
    '            report that second pass (leaks between used clusters stay: see compact;',
    '            clusters referenced twice are never changed)',
    '  --json    print one JSON object (corruptions, corruptionsFixed, leaks, leaksFixed,',
    '            checkErrors, allocatedClusters, fragmentedClusters, totalClusters, imageEndOffset)',
  ],
  async run(argv) {
    const specs = { repair: { type: 'boolean', short: 'r' }, json: { type: 'boolean' } } as const;
    const { options, positionals } = parseArgs(argv, specs, { names: ['FILE'], required: 1 });
    const path = positionals[0]!;
    const found = await withImage(path, { mode: 'read' }, ({ image }) => image.check());
    let report = found;
    if (options.repair) {
      const repaired = await withImage(path, { mode: 'write' }, ({ image }) => image.check({ repair: true }));
      // A read-write open of an image with the need-check bit repairs it before check() runs, so
      // count what the read-only pass found and the repair pass no longer sees.
      report = {
        ...repaired,
        corruptionsFixed: Math.max(repaired.corruptionsFixed, found.corruptions - repaired.corruptions),
        leaksFixed: Math.max(repaired.leaksFixed, found.leaks - repaired.leaks),
      };
    }
    await (options.json ? printJson(toJson(report)) : printLines(describeCheck(report, options.repair)));
    return checkExitStatus(report);
  },
};

/** The exit status qemu-img check gives for `report`. */
export function checkExitStatus(report: CheckReport): number {
  if (report.checkErrors > 0) return CHECK_EXIT.checkErrors;
  if (report.corruptions > 0) return CHECK_EXIT.corruptions;
  if (report.leaks > 0) return CHECK_EXIT.leaksOnly;
  return CHECK_EXIT.clean;
}

/** The human-readable lines of `check`, worded as qemu-img check's. */
export function describeCheck(report: CheckReport, repaired: boolean): string[] {
  const lines: string[] = [];
  if (repaired && (report.corruptionsFixed > 0 || report.leaksFixed > 0)) {
    lines.push('The following inconsistencies were found and repaired:', '', `    ${report.leaksFixed} leaked clusters`, `    ${report.corruptionsFixed} corruptions`, '');
    lines.push('Double checking the fixed image now...');
  }
  const clean = report.corruptions === 0 && report.leaks === 0 && report.checkErrors === 0;
  if (clean) lines.push('No errors were found on the image.');
  if (report.corruptions > 0) {
    lines.push('', `${report.corruptions} errors were found on the image.`, 'Data may be corrupted, or further writes to the image may corrupt it.');
  }
  if (report.leaks > 0) {
    lines.push('', `${report.leaks} leaked clusters were found on the image.`, 'This means waste of disk space, but no harm to data.');
  }
  if (report.checkErrors > 0) {
    lines.push('', `${report.checkErrors} internal errors have occurred during the check.`);
  }
  if (report.totalClusters > 0) {
    const allocated = percent(report.allocatedClusters, report.totalClusters);
    const fragmented = percent(report.fragmentedClusters, report.allocatedClusters);
    lines.push(`${report.allocatedClusters}/${report.totalClusters} = ${allocated}% allocated, ${fragmented}% fragmented, 0.00% compressed clusters`);
  }
  lines.push(`Image end offset: ${report.imageEndOffset}`);
  return lines;
}

/** The JSON object of `check --json`, with a fixed key order. */
function toJson(report: CheckReport): CheckReport {
  const { corruptions, corruptionsFixed, leaks, leaksFixed, checkErrors, allocatedClusters, fragmentedClusters, totalClusters, imageEndOffset } = report;
  return { corruptions, corruptionsFixed, leaks, leaksFixed, checkErrors, allocatedClusters, fragmentedClusters, totalClusters, imageEndOffset };
}

/** `part / whole` as a percentage with two decimals; 0.00 when `whole` is 0. */
function percent(part: number, whole: number): string {
  return (whole === 0 ? 0 : (part / whole) * 100).toFixed(2);
}
