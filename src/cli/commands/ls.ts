/** `qedisk ls`: the entries of a directory inside a disk image's file system. */
import { parseArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { PARTITION_HELP, PARTITION_OPTION, parsePartition, withFileSystem } from '../fs/disk.ts';
import { printJson, printLines } from '../output.ts';

/** The `ls` command. */
export const lsCommand: Command = {
  name: 'ls',
  summary: 'list a directory of the file system in a disk image',
  usage: 'ls [--partition N] [--json] IMAGE [PATH]',
  details: [
    'Prints the entries of directory PATH (default /), one per line, sorted; directories end in',
    "'/'. ext2/3/4 and FAT12/16/32 are read; IMAGE (QED or raw) is opened read-only.",
    '',
    ...PARTITION_HELP,
    '  --json                print the entries as a JSON array of {name, type, size, mode, uid,',
    '                        gid, mtime, links, id, target?, device?}',
  ],
  async run(argv) {
    const { options, positionals } = parseArgs(argv, { ...PARTITION_OPTION, json: { type: 'boolean' } }, { names: ['IMAGE', 'PATH'], required: 1 });
    const partition = parsePartition(options.partition);
    await withFileSystem(positionals[0]!, 'read', partition, async (fs) => {
      const entries = fs.list(positionals[1] ?? '/');
      if (options.json) return printJson(entries);
      return printLines(entries.map((entry) => (entry.type === 'directory' ? `${entry.name}/` : entry.name)));
    });
    return 0;
  },
};
