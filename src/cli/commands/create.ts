/** `qedisk create`: a new, empty QED image, optionally a copy-on-write overlay of a backing file. */
import { dirname, resolve } from 'node:path';
import { NodeFile } from '../../backends/node-file.ts';
import { probeFormat } from '../../engine/backing.ts';
import { QedImage } from '../../engine/qed-image.ts';
import type { SyncFile } from '../../engine/sync-file.ts';
import type { BackingSpec } from '../../engine/types.ts';
import { nodeBackingResolver } from '../../node.ts';
import { QedBackingError } from '../../qed/errors.ts';
import { parseArgs } from '../args.ts';
import { writeAtomically } from '../atomic-output.ts';
import type { Command } from '../command.ts';
import { CliUsageError, describeError } from '../errors.ts';
import { printLines } from '../output.ts';
import { parseCount, parseSize } from '../size.ts';

const OPTIONS = {
  'cluster-size': { type: 'string' },
  'table-size': { type: 'string' },
  backing: { type: 'string', short: 'b' },
  'backing-format': { type: 'string', short: 'F' },
} as const;

/** The `create` command. */
export const createCommand: Command = {
  name: 'create',
  summary: 'create a new QED image (optionally over a backing file)',
  usage: 'create [--cluster-size BYTES] [--table-size N] [--backing FILE] [--backing-format raw|qed] FILE [SIZE]',
  details: [
    'Creates FILE (replacing any file of that name) as an empty QED image of SIZE bytes,',
    'rounded up to a multiple of 512. SIZE takes K, M, G, T suffixes (1K = 1024 bytes).',
    '',
    '  --cluster-size BYTES     bytes per cluster, a power of 2 from 4K to 64M (default 64K)',
    '  --table-size N           clusters per L1/L2 table, a power of 2 from 2 to 16 (default 4)',
    '  --backing FILE, -b       make FILE the backing image; a relative name is resolved against',
    "                           the new image's directory. SIZE then defaults to its size.",
    '  --backing-format FMT, -F raw or qed. By default the backing file is probed, and a raw one',
    '                           is recorded as raw (the no-probe bit).',
  ],
  async run(argv) {
    const { options, positionals } = parseArgs(argv, OPTIONS, { names: ['FILE', 'SIZE'], required: 1 });
    const [path, sizeText] = positionals as [string, string | undefined];
    const clusterSize = options['cluster-size'] === undefined ? undefined : parseSize(options['cluster-size'], 'cluster size');
    const tableSize = options['table-size'] === undefined ? undefined : parseCount(options['table-size'], 'table size');
    const size = sizeText === undefined ? undefined : parseSize(sizeText, 'size');
    const declared = parseBackingFormat(options['backing-format']);
    if (declared !== undefined && options.backing === undefined) throw new CliUsageError('--backing-format needs --backing');
    if (size === undefined && options.backing === undefined) throw new CliUsageError('missing SIZE (needed without --backing)');
    if (options.backing !== undefined && resolve(dirname(path), options.backing) === resolve(path)) {
      throw new CliUsageError('an image cannot be its own backing file');
    }
    const backing = options.backing === undefined ? undefined : probeBacking(path, options.backing, declared);
    const created = await writeAtomically(path, (temporary) => {
      const file = NodeFile.open(temporary, 'create');
      let image: QedImage;
      try {
        image = QedImage.create(file, { size, clusterSize, tableSize, backing, resolveBacking: nodeBackingResolver(temporary) });
      } catch (error) {
        file.close();
        throw error;
      }
      const { geometry } = image;
      const summary = { size: image.size, clusterSize: geometry.clusterSize, tableSize: geometry.tableSize };
      image.close();
      return summary;
    });
    const backingText = backing ? ` backing_file=${backing.name} backing_fmt=${backing.format}` : '';
    await printLines([`Formatting '${path}', fmt=qed size=${created.size}${backingText} cluster_size=${created.clusterSize} table_size=${created.tableSize}`]);
    return 0;
  },
};

/** Checks the value of `--backing-format`. */
function parseBackingFormat(text: string | undefined): 'raw' | 'qed' | undefined {
  if (text === undefined || text === 'raw' || text === 'qed') return text;
  throw new CliUsageError(`invalid backing format '${text}': expected raw or qed`);
}

/**
 * Opens the backing file `name` (relative to the new image at `imagePath`) to learn its format:
 * the declared one, which must match, or the probed one. Throws `QedBackingError`.
 */
function probeBacking(imagePath: string, name: string, declared: 'raw' | 'qed' | undefined): BackingSpec {
  let file: SyncFile;
  try {
    file = nodeBackingResolver(imagePath)({ name, format: declared ?? 'probe', depth: 1 });
  } catch (error) {
    throw new QedBackingError(`cannot open backing file '${name}': ${describeError(error).message}`);
  }
  try {
    return { name, format: probeFormat(file, declared ?? 'probe') };
  } finally {
    file.close();
  }
}
