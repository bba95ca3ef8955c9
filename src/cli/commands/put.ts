/** `qedisk put`: create or replace a file in a disk image's file system from stdin. */
import { FsTooLargeError } from '../../fs/errors.ts';
import { parseArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { CliUsageError } from '../errors.ts';
import { PARTITION_HELP, PARTITION_OPTION, parsePartition, withFileSystem } from '../fs/disk.ts';

/** Largest input `put` accepts (FAT's file limit, and what one buffer holds comfortably). */
const MAX_PUT_BYTES = 2 ** 32 - 1;

/** The `put` command. */
export const putCommand: Command = {
  name: 'put',
  summary: 'create or replace a file in the file system of a disk image from stdin',
  usage: 'put [--partition N] IMAGE PATH < DATA',
  details: [
    'Reads all of stdin, then writes it as file PATH (created, or replaced when it exists). The',
    'change is made whole or not at all: on an error (no space, bad path) the image is unchanged.',
    '',
    ...PARTITION_HELP,
  ],
  async run(argv) {
    const { options, positionals } = parseArgs(argv, PARTITION_OPTION, { names: ['IMAGE', 'PATH'], required: 2 });
    const partition = parsePartition(options.partition);
    const data = await readAllStdin();
    await withFileSystem(positionals[0]!, 'write', partition, (fs) => fs.writeFile(positionals[1]!, data));
    return 0;
  },
};

async function readAllStdin(): Promise<Uint8Array> {
  if (process.stdin.isTTY) throw new CliUsageError('put reads the file from stdin: redirect or pipe it in');
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    if (!(chunk instanceof Uint8Array)) continue;
    total += chunk.byteLength;
    if (total > MAX_PUT_BYTES) throw new FsTooLargeError(`stdin holds more than ${MAX_PUT_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}
