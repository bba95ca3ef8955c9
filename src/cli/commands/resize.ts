/** `qedisk resize`: grow the virtual disk (QED cannot shrink). */
import { SECTOR_SIZE_BYTES } from '../../qed/constants.ts';
import { QedArgumentError, QedRangeError } from '../../qed/errors.ts';
import { isValidImageSize } from '../../qed/header.ts';
import { parseArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { withImage } from '../open-image.ts';
import { printLines } from '../output.ts';
import { parseRelativeSize } from '../size.ts';

/** The `resize` command. */
export const resizeCommand: Command = {
  name: 'resize',
  summary: 'grow the virtual size of an image',
  usage: 'resize FILE [+]SIZE',
  details: [
    'Sets the virtual size of FILE to SIZE bytes, or grows it by SIZE with a leading +.',
    'SIZE takes K, M, G, T suffixes and must be a multiple of 512. Shrinking is not supported.',
  ],
  async run(argv) {
    const { positionals } = parseArgs(argv, {}, { names: ['FILE', 'SIZE'], required: 2 });
    const [path, sizeText] = positionals as [string, string];
    parseRelativeSize(sizeText, 0, 'size'); // reject a malformed SIZE before opening anything
    // Validate against the image as it is, read-only, before opening it for writing.
    const newSize = await withImage(path, { mode: 'read' }, ({ image }) => {
      const size = parseRelativeSize(sizeText, image.size, 'size');
      if (size % SECTOR_SIZE_BYTES !== 0) throw new QedArgumentError(`new size ${size} is not a multiple of ${SECTOR_SIZE_BYTES} bytes`);
      if (size < image.size) throw new QedArgumentError(`shrinking from ${image.size} to ${size} bytes is not supported`);
      if (!isValidImageSize(image.geometry, size)) {
        throw new QedRangeError(`new size ${size} exceeds the maximum of ${image.geometry.maxImageSize} bytes for this geometry`);
      }
      return size;
    });
    await withImage(path, { mode: 'write' }, ({ image }) => {
      if (newSize !== image.size) image.resize(newSize);
    });
    await printLines(['Image resized.']);
    return 0;
  },
};
