/** `qedisk convert`: raw to sparse QED, QED to sparse raw (or QED to a flat QED). */
import { parseArgs } from '../args.ts';
import { writeAtomically } from '../atomic-output.ts';
import type { Command } from '../command.ts';
import { copyData } from '../convert/copy.ts';
import { type ConvertSink, qedSink, rawSink } from '../convert/sink.ts';
import { openSource } from '../convert/source.ts';
import { CliUsageError } from '../errors.ts';
import { watchInterrupts } from '../interrupt.ts';
import { createProgress } from '../progress.ts';
import { parseCount, parseSize } from '../size.ts';

const OPTIONS = {
  'output-format': { type: 'string', short: 'O' },
  'cluster-size': { type: 'string' },
  'table-size': { type: 'string' },
} as const;

/** The `convert` command. */
export const convertCommand: Command = {
  name: 'convert',
  summary: 'convert between raw and QED (sparse: zeros are not stored)',
  usage: 'convert [-O qed|raw] [--cluster-size BYTES] [--table-size N] IN OUT',
  details: [
    'Copies the virtual disk of IN into a new file OUT. IN is read as QED when it starts with',
    'the QED magic (its backing chain included), as raw otherwise. All-zero clusters are left',
    'unallocated in a QED output and all-zero 4 KiB blocks become holes in a raw one. OUT is',
    'written under a temporary name and renamed when complete, so a failure leaves no partial',
    'OUT. As with qemu-img convert, OUT is left to the OS to write back (no fsync): run sync',
    'when it must be on stable storage. A progress percentage is shown on stderr when it is a',
    'terminal.',
    '',
    '  -O, --output-format FMT  qed (default) or raw',
    '  --cluster-size BYTES     cluster size of a QED output (default 64K)',
    '  --table-size N           table size of a QED output (default 4)',
  ],
  async run(argv) {
    const { options, positionals } = parseArgs(argv, OPTIONS, { names: ['IN', 'OUT'], required: 2 });
    const [input, output] = positionals as [string, string];
    const format = options['output-format'] ?? 'qed';
    if (format !== 'qed' && format !== 'raw') throw new CliUsageError(`invalid output format '${format}': expected qed or raw`);
    const clusterSize = options['cluster-size'] === undefined ? undefined : parseSize(options['cluster-size'], 'cluster size');
    const tableSize = options['table-size'] === undefined ? undefined : parseCount(options['table-size'], 'table size');
    if (format === 'raw' && (clusterSize !== undefined || tableSize !== undefined)) {
      throw new CliUsageError('--cluster-size and --table-size apply to QED output only');
    }
    const source = openSource(input);
    const interrupts = watchInterrupts();
    try {
      await writeAtomically(output, async (temporary) => {
        const sink: ConvertSink = format === 'qed' ? qedSink(temporary, source.size, { clusterSize, tableSize }) : rawSink(temporary, source.size);
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
