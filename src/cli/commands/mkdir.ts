/** `qedisk mkdir`: make a directory in a disk image's file system. */
import { parseArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { PARTITION_HELP, PARTITION_OPTION, parsePartition, withFileSystem } from '../fs/disk.ts';

/** The `mkdir` command. */
export const mkdirCommand: Command = {
  name: 'mkdir',
  summary: 'make a directory in the file system of a disk image',
  usage: 'mkdir [--partition N] IMAGE PATH',
  details: ['Creates directory PATH; its parent must exist, PATH must not.', '', ...PARTITION_HELP],
  async run(argv) {
    const { options, positionals } = parseArgs(argv, PARTITION_OPTION, { names: ['IMAGE', 'PATH'], required: 2 });
    await withFileSystem(positionals[0]!, 'write', parsePartition(options.partition), (fs) => fs.mkdir(positionals[1]!));
    return 0;
  },
};
