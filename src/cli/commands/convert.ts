/** `qedisk convert`: any image qedisk reads (QED, qcow2, VMDK, VHD, VHDX, VDI, raw) to raw, QED or qcow2. */
import { IMAGE_FORMATS, type ImageFormat } from '../../formats/image-reader.ts';
import { parseArgs } from '../args.ts';
import { writeAtomically } from '../atomic-output.ts';
import type { Command } from '../command.ts';
import { copyData } from '../convert/copy.ts';
import { type ConvertSink, qcow2Sink, qedSink, rawSink } from '../convert/sink.ts';
import { openSource } from '../convert/source.ts';
import { CliUsageError } from '../errors.ts';
import { watchInterrupts } from '../interrupt.ts';
import { createProgress } from '../progress.ts';
import { parseCount, parseSize } from '../size.ts';

const OPTIONS = {
  format: { type: 'string', short: 'f' },
  'output-format': { type: 'string', short: 'O' },
  compress: { type: 'boolean', short: 'c' },
  'cluster-size': { type: 'string' },
  'table-size': { type: 'string' },
} as const;

/** Output formats `convert` writes. */
const OUTPUT_FORMATS = ['qed', 'raw', 'qcow2'] as const;
type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The `convert` command. */
export const convertCommand: Command = {
  name: 'convert',
  summary: 'convert qcow2, VMDK, VHD, VHDX, VDI, QED or raw to QED, qcow2 or raw (sparse)',
  usage: 'convert [-f FMT] [-O qed|qcow2|raw] [-c] [--cluster-size BYTES] [--table-size N] IN OUT',
  details: [
    'Copies the virtual disk of IN into a new file OUT. The format of IN is probed as QEMU',
    'probes it (a fixed VHD is found by its footer), or given with -f; its backing chain is',
    'read too. All-zero clusters are left unallocated in QED and qcow2 output and all-zero',
    '4 KiB blocks become holes in raw output. OUT is written under a temporary name and',
    'renamed when complete, so a failure leaves no partial OUT. As with qemu-img convert, OUT',
    'is left to the OS to write back (no fsync): run sync when it must be on stable storage.',
    'A progress percentage is shown on stderr when it is a terminal.',
    '',
    '  -f, --format FMT         format of IN: qed, qcow2, vmdk, vpc (VHD), vhdx, vdi or raw',
    '  -O, --output-format FMT  qed (default), qcow2 or raw',
    '  -c, --compress           deflate each cluster of a qcow2 output (as qemu-img -c)',
    '  --cluster-size BYTES     cluster size of a QED or qcow2 output (default 64K)',
    '  --table-size N           table size of a QED output (default 4)',
  ],
  async run(argv) {
    const { options, positionals } = parseArgs(argv, OPTIONS, { names: ['IN', 'OUT'], required: 2 });
    const [input, output] = positionals as [string, string];
    const format = parseOutputFormat(options['output-format'] ?? 'qed');
    const inputFormat = options.format === undefined ? undefined : parseInputFormat(options.format);
    const clusterSize = options['cluster-size'] === undefined ? undefined : parseSize(options['cluster-size'], 'cluster size');
    const tableSize = options['table-size'] === undefined ? undefined : parseCount(options['table-size'], 'table size');
    if (format === 'raw' && (clusterSize !== undefined || tableSize !== undefined)) {
      throw new CliUsageError('--cluster-size and --table-size apply to QED output only');
    }
    if (format === 'qcow2' && tableSize !== undefined) throw new CliUsageError('--table-size applies to QED output only');
    if (options.compress && format !== 'qcow2') throw new CliUsageError('-c (compression) applies to qcow2 output only');
    const source = openSource(input, inputFormat);
    const interrupts = watchInterrupts();
    try {
      await writeAtomically(output, async (temporary) => {
        const sink: ConvertSink =
          format === 'qed'
            ? qedSink(temporary, source.size, { clusterSize, tableSize })
            : format === 'qcow2'
              ? qcow2Sink(temporary, source.size, { clusterSize, compressed: options.compress })
              : rawSink(temporary, source.size);
        const progress = createProgress();
        try {
          await copyData(source, sink, { progress, interrupts });
          sink.finish();
          progress.finish();
        } catch (error) {
          sink.abandon();
          progress.abandon();
          throw error;
        }
      });
    } finally {
      interrupts.dispose();
      source.close();
    }
    return 0;
  },
};

/** Checks the value of `-O`. */
function parseOutputFormat(text: string): OutputFormat {
  const format = OUTPUT_FORMATS.find((candidate) => candidate === text);
  if (!format) throw new CliUsageError(`invalid output format '${text}': expected qed, qcow2 or raw`);
  return format;
}

/** Checks the value of `-f`. */
function parseInputFormat(text: string): ImageFormat {
  const format = IMAGE_FORMATS.find((candidate) => candidate === text);
  if (!format) throw new CliUsageError(`invalid input format '${text}': expected ${IMAGE_FORMATS.join(', ')}`);
  return format;
}
