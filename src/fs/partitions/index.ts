/** Reading a disk's partition table (MBR with logical partitions, or GPT) and opening a partition. */
import type { BlockDevice } from '../block-device.ts';
import { SliceDevice, readBytes } from '../block-device.ts';
import { FsNotFoundError } from '../errors.ts';
import { hasGptSignature, readGptPartitions } from './gpt.ts';
import { MBR_SECTOR_BYTES, isProtectiveMbr, looksLikeMbr, readMbrPartitions } from './mbr.ts';
import type { Partition, PartitionTable } from './types.ts';

export type { Partition, PartitionTable } from './types.ts';

/** Sector sizes a GPT is looked for with, in order. */
const GPT_SECTOR_SIZES = [512, 4096];

/**
 * Reads the partition table of `device`. A disk without a valid MBR signature, or whose sector 0
 * is a file system's boot sector rather than a table, gives `scheme: 'none'`. Throws
 * `FsPartitionTableError` for a damaged table (GPT CRCs, logical chains that loop or leave the disk).
 */
export function readPartitionTable(device: BlockDevice): PartitionTable {
  if (device.size < MBR_SECTOR_BYTES) return { scheme: 'none', sectorSize: MBR_SECTOR_BYTES, partitions: [] };
  const sector0 = readBytes(device, 0, MBR_SECTOR_BYTES);
  if (isProtectiveMbr(sector0)) {
    for (const sectorSize of GPT_SECTOR_SIZES) {
      if (hasGptSignature(device, sectorSize)) return { scheme: 'gpt', sectorSize, partitions: readGptPartitions(device, sectorSize) };
    }
    return { scheme: 'gpt', sectorSize: 512, partitions: readGptPartitions(device, 512) };
  }
  if (!looksLikeMbr(sector0, device.size)) return { scheme: 'none', sectorSize: MBR_SECTOR_BYTES, partitions: [] };
  const partitions = readMbrPartitions(device, sector0).sort((a, b) => a.number - b.number);
  return { scheme: 'mbr', sectorSize: MBR_SECTOR_BYTES, partitions };
}

/** A device over partition `number` of `device`; throws `FsNotFoundError` when there is none. */
export function partitionDevice(device: BlockDevice, table: PartitionTable, number: number): { partition: Partition; device: BlockDevice } {
  const partition = table.partitions.find((candidate) => candidate.number === number);
  if (!partition) {
    const numbers = table.partitions.map((candidate) => candidate.number).join(', ');
    throw new FsNotFoundError(`no partition ${number} (the disk has ${numbers === '' ? 'no partitions' : `partitions ${numbers}`})`);
  }
  return { partition, device: new SliceDevice(device, partition.start, partition.size) };
}
