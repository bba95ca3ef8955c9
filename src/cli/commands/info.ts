/** `qedisk info`: geometry, sizes, backing file and the need-check bit of an image. */
import type { ImageInfo } from '../../engine/types.ts';
import { parseArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { withImage } from '../open-image.ts';
import { printJson, printLines } from '../output.ts';
import { formatSize } from '../size.ts';

/** What `info --json` prints: the image's facts, without the counters of this open. */
export type InfoReport = { filename: string; format: 'qed' } & Omit<ImageInfo, 'io' | 'readOnly'>;

/** The `info` command. */
export const infoCommand: Command = {
  name: 'info',
  summary: 'show the size, geometry, backing file and state of an image',
  usage: 'info [--json] FILE',
  details: [
    'Opens FILE read-only, so nothing changes on disk, and shows its virtual size, file size,',
    'allocated bytes, cluster and table size, backing file and the need-check (dirty) bit as',
    'it is on disk. A backing file that cannot be opened is reported, not fatal.',
    '',
    '  --json    print one JSON object (keys: virtualSize, clusterSize, tableSize, headerSize,',
    '            physicalSize, allocatedBytes, backingFile, backingFormat, needsCheck, ...)',
  ],
  async run(argv) {
    const { options, positionals } = parseArgs(argv, { json: { type: 'boolean' } }, { names: ['FILE'], required: 1 });
    const path = positionals[0]!;
    await withImage(path, { mode: 'read', tolerateMissingBacking: true }, async ({ image, backingProblem }) => {
      const { io: _io, readOnly: _readOnly, ...facts } = image.info();
      const report: InfoReport = { filename: path, format: 'qed', ...facts };
      await (options.json ? printJson(report) : printLines(describeInfo(report, backingProblem)));
    });
    return 0;
  },
};

/** The human-readable lines of `info`, modelled on `qemu-img info`. */
export function describeInfo(report: InfoReport, backingProblem: string | null): string[] {
  const lines = [
    `image: ${report.filename}`,
    `file format: ${report.format}`,
    `virtual size: ${formatSize(report.virtualSize)} (${report.virtualSize} bytes)`,
    `file size: ${formatSize(report.physicalSize)} (${report.physicalSize} bytes)`,
    `allocated: ${formatSize(report.allocatedBytes)} (${report.allocatedBytes} bytes)`,
    `cluster_size: ${report.clusterSize}`,
    `table_size: ${report.tableSize}`,
    `header_size: ${report.headerSize}`,
  ];
  if (report.backingFile !== null) {
    lines.push(`backing file: ${report.backingFile}${backingProblem === null ? '' : ` (cannot be opened: ${backingProblem})`}`);
    lines.push(`backing file format: ${report.backingFormat === 'raw' ? 'raw' : 'probed at open'}`);
  }
  lines.push(`needs check: ${report.needsCheck ? 'yes' : 'no'}`);
  return lines;
}
