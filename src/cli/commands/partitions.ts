/** `qedisk partitions`: the partition table (MBR with logical partitions, or GPT) of a disk image. */
import { readPartitionTable } from '../../fs/partitions/index.ts';
import { detectFileSystem } from '../../fs/detect.ts';
import { SliceDevice } from '../../fs/block-device.ts';
import { parseArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { withDisk } from '../fs/disk.ts';
import { printJson, printLines } from '../output.ts';

/** The `partitions` command. */
export const partitionsCommand: Command = {
  name: 'partitions',
  summary: 'list the partitions of a disk image (MBR or GPT)',
  usage: 'partitions [--json] IMAGE',
  details: [
    'Prints one line per partition: number, start and size in bytes, type, file system found',
    '(ext, fat or -) and GPT name. Logical partitions are numbered from 5, as Linux does.',
    'IMAGE is a QED image or a raw disk image, opened read-only.',
    '',
    '  --json    print {scheme, sectorSize, partitions: [{number, start, size, type, typeName,',
    '            name, kind, bootable, uuid, fileSystem}]}',
  ],
  async run(argv) {
    const { options, positionals } = parseArgs(argv, { json: { type: 'boolean' } }, { names: ['IMAGE'], required: 1 });
    await withDisk(positionals[0]!, 'read', async (device) => {
      const table = readPartitionTable(device);
      const partitions = table.partitions.map((p) => ({
        ...p,
        fileSystem: p.kind === 'extended' ? null : detectFileSystem(new SliceDevice(device, p.start, p.size)),
      }));
      if (options.json) return printJson({ scheme: table.scheme, sectorSize: table.sectorSize, partitions });
      if (table.scheme === 'none') return printLines([`no partition table${detectFileSystem(device) ? ` (whole-disk ${detectFileSystem(device)} file system)` : ''}`]);
      const rows = partitions.map((p) => [String(p.number), String(p.start), String(p.size), `${p.type} (${p.typeName})`, p.fileSystem ?? '-', p.name]);
      const header = ['number', 'start', 'size', 'type', 'fs', 'name'];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
      return printLines([`${table.scheme} partition table`, line(header), ...rows.map(line)]);
    });
    return 0;
  },
};
