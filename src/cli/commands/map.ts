/** `qedisk map`: how each range of the virtual disk is stored (data, zero or unallocated). */
import type { Extent } from '../../engine/types.ts';
import { parseArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { withImage } from '../open-image.ts';
import { printJson, printLines } from '../output.ts';

/** The `map` command. */
export const mapCommand: Command = {
  name: 'map',
  summary: 'list the data, zero and unallocated extents of an image',
  usage: 'map [--json] FILE',
  details: [
    'Lists the virtual disk of FILE as maximal runs, in guest order: "data" (stored in FILE,',
    'with its file offset), "zero" (zero clusters, read as zeros) and "unallocated" (read from',
    'the backing file, or as zeros without one). FILE is opened read-only.',
    '',
    '  --json    print a JSON array of {start, length, kind, offset?, fromBacking?}',
  ],
  async run(argv) {
    const { options, positionals } = parseArgs(argv, { json: { type: 'boolean' } }, { names: ['FILE'], required: 1 });
    const path = positionals[0]!;
    await withImage(path, { mode: 'read' }, async ({ image }) => {
      const extents = image.map();
      await (options.json ? printJson(extents) : printLines(describeMap(extents, path, image.backingName)));
    });
    return 0;
  },
};

/** Column widths of the human-readable map. */
const COLUMNS = [16, 16, 13, 16] as const;

/** The human-readable lines of `map`: a table modelled on `qemu-img map`, with a kind column. */
export function describeMap(extents: readonly Extent[], path: string, backingName: string | null): string[] {
  const row = (cells: readonly string[]): string => cells.map((cell, i) => cell.padEnd(COLUMNS[i] ?? 0)).join('').trimEnd();
  const lines = [row(['Offset', 'Length', 'Kind', 'Mapped to', 'File'])];
  for (const extent of extents) {
    const mapped = extent.kind === 'data' && extent.offset !== undefined ? hex(extent.offset) : '-';
    const file = extent.kind === 'data' ? path : extent.kind === 'unallocated' && extent.fromBacking ? (backingName ?? '-') : '-';
    lines.push(row([hex(extent.start), hex(extent.length), extent.kind, mapped, file]));
  }
  return lines;
}

/** `0` or `0x` followed by lowercase hex digits, as qemu-img map prints offsets. */
function hex(value: number): string {
  return value === 0 ? '0' : `0x${value.toString(16)}`;
}
