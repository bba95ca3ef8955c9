/** `qedisk rm`: remove a file or an empty directory from a disk image's file system. */
import { parseArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { PARTITION_HELP, PARTITION_OPTION, parsePartition, withFileSystem } from '../fs/disk.ts';

/** The `rm` command. */
export const rmCommand: Command = {
  name: 'rm',
  summary: 'remove a file or an empty directory from the file system of a disk image',
  usage: 'rm [--partition N] IMAGE PATH',
  details: ['Removes file (or symlink, device node) PATH, or PATH when it is an empty directory.', '', ...PARTITION_HELP],
  async run(argv) {
    const { options, positionals } = parseArgs(argv, PARTITION_OPTION, { names: ['IMAGE', 'PATH'], required: 2 });
    await withFileSystem(positionals[0]!, 'write', parsePartition(options.partition), (fs) => fs.rm(positionals[1]!));
    return 0;
  },
};
