/** `qedisk write`: guest bytes from stdin into an image, or a range of zeros. */
import { QedRangeError } from '../../qed/errors.ts';
import { parseArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { CliUsageError } from '../errors.ts';
import { withImage } from '../open-image.ts';
import { printLines } from '../output.ts';
import { assertInsideDisk } from '../range.ts';
import { parseSize } from '../size.ts';

/** The `write` command. */
export const writeCommand: Command = {
  name: 'write',
  summary: 'write stdin (or zeros) into an image at OFFSET',
  usage: 'write FILE OFFSET < DATA   |   write --zero FILE OFFSET LENGTH',
  details: [
    'Writes the bytes read from stdin to the virtual disk of FILE at OFFSET. All of stdin is',
    'read before FILE is opened for writing, so data that does not fit changes nothing.',
    'OFFSET and LENGTH take K, M, G, T suffixes.',
    '',
    '  --zero, -z   make LENGTH bytes at OFFSET read as zeros instead (whole clusters become',
    '               zero clusters without writing data)',
  ],
  async run(argv) {
    const parsed = parseArgs(argv, { zero: { type: 'boolean', short: 'z' } }, { names: ['FILE', 'OFFSET', 'LENGTH'], required: 2 });
    const [path, offsetText, lengthText] = parsed.positionals as [string, string, string | undefined];
    const offset = parseSize(offsetText, 'offset');
    if (parsed.options.zero && lengthText === undefined) throw new CliUsageError('missing LENGTH (needed with --zero)');
    if (!parsed.options.zero && lengthText !== undefined) throw new CliUsageError(`unexpected argument '${lengthText}' (LENGTH goes with --zero)`);
    const length = lengthText === undefined ? null : parseSize(lengthText, 'length');
    // Learn the disk size read-only first: nothing is opened for writing until the request is known to fit.
    const diskSize = await withImage(path, { mode: 'read' }, ({ image }) => image.size);
    if (length !== null) assertInsideDisk(diskSize, offset, length);
    else if (offset > diskSize) assertInsideDisk(diskSize, offset, 0);
    const data = length === null ? await readStdin(diskSize - offset) : null;
    if (data && data.byteLength > diskSize - offset) {
      throw new QedRangeError(`stdin holds more than the ${diskSize - offset} bytes from offset ${offset} to the end of the ${diskSize}-byte disk`);
    }
    await withImage(path, { mode: 'write' }, ({ image }) => {
      if (data) image.write(offset, data);
      else image.writeZeroes(offset, length ?? 0);
    });
    const count = data ? data.byteLength : (length ?? 0);
    await printLines([`wrote ${count}/${count} bytes at offset ${offset}`]);
    return 0;
  },
};

/**
 * Reads all of stdin. Stops early, returning what it has plus one byte more than `limit`, as
 * soon as the input is known to be longer than `limit` bytes.
 */
async function readStdin(limit: number): Promise<Uint8Array> {
  if (process.stdin.isTTY) throw new CliUsageError('write reads its data from stdin: redirect or pipe it in');
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    if (!(chunk instanceof Uint8Array)) continue;
    chunks.push(chunk);
    total += chunk.byteLength;
    if (total > limit) break;
  }
  return Buffer.concat(chunks, total);
}
