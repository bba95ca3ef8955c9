/** `qedisk cat`: a file's bytes from a disk image's file system to stdout. */
import { parseArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { PARTITION_HELP, PARTITION_OPTION, parsePartition, withFileSystem } from '../fs/disk.ts';
import { writeStdout } from '../output.ts';

/** Bytes read and written to stdout per step. */
const CHUNK_BYTES = 4 * 1024 * 1024;

/** The `cat` command. */
export const catCommand: Command = {
  name: 'cat',
  summary: 'write a file of the file system in a disk image to stdout',
  usage: 'cat [--partition N] IMAGE PATH',
  details: ['Writes the bytes of file PATH to stdout, in chunks. IMAGE (QED or raw) is opened read-only.', '', ...PARTITION_HELP],
  async run(argv) {
    const { options, positionals } = parseArgs(argv, PARTITION_OPTION, { names: ['IMAGE', 'PATH'], required: 2 });
    await withFileSystem(positionals[0]!, 'read', parsePartition(options.partition), async (fs) => {
      const reader = fs.openReader(positionals[1]!);
      // One buffer, reused once stdout has taken each chunk.
      const buffer = new Uint8Array(Math.min(CHUNK_BYTES, Math.max(1, reader.size)));
      for (let offset = 0; offset < reader.size; offset += buffer.length) {
        const count = reader.read(offset, buffer);
        await writeStdout(buffer.subarray(0, count));
      }
    });
    return 0;
  },
};
