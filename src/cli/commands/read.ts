/** `qedisk read`: guest bytes of an image, raw, to stdout. */
import { parseArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { withImage } from '../open-image.ts';
import { writeStdout } from '../output.ts';
import { parseSize } from '../size.ts';
import { assertInsideDisk } from '../range.ts';

/** Bytes read from the image and written to stdout per step. */
const CHUNK_BYTES = 4 * 1024 * 1024;

/** The `read` command. */
export const readCommand: Command = {
  name: 'read',
  summary: 'write LENGTH guest bytes from OFFSET to stdout',
  usage: 'read FILE OFFSET LENGTH',
  details: [
    'Writes the LENGTH bytes of the virtual disk at OFFSET to stdout, as they read in a guest',
    '(backing file and zero clusters included). OFFSET and LENGTH take K, M, G, T suffixes.',
    'FILE is opened read-only.',
  ],
  async run(argv) {
    const { positionals } = parseArgs(argv, {}, { names: ['FILE', 'OFFSET', 'LENGTH'], required: 3 });
    const [path, offsetText, lengthText] = positionals as [string, string, string];
    const offset = parseSize(offsetText, 'offset');
    const length = parseSize(lengthText, 'length');
    await withImage(path, { mode: 'read' }, async ({ image }) => {
      assertInsideDisk(image.size, offset, length);
      const buffer = new Uint8Array(Math.min(CHUNK_BYTES, length));
      for (let done = 0; done < length; ) {
        const chunk = buffer.subarray(0, Math.min(buffer.byteLength, length - done));
        image.readInto(offset + done, chunk);
        await writeStdout(chunk);
        done += chunk.byteLength;
      }
    });
    return 0;
  },
};
