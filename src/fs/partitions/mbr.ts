/** Reading an MBR partition table: four primary slots and the chain of logical partitions. */
import type { BlockDevice } from '../block-device.ts';
import { readBytes } from '../block-device.ts';
import { u16, u32, u8 } from '../bytes.ts';
import { FsPartitionTableError } from '../errors.ts';
import type { Partition } from './types.ts';

/** Bytes per MBR sector (LBA units in the table). */
export const MBR_SECTOR_BYTES = 512;
const TABLE_OFFSET = 446;
const ENTRY_BYTES = 16;
/** Logical partitions followed at most; Linux stops at a few hundred too. */
const MAX_LOGICAL_PARTITIONS = 256;
/** Type bytes of extended partitions (DOS, W95 LBA, Linux extended). */
const EXTENDED_TYPES = new Set([0x05, 0x0f, 0x85]);

const TYPE_NAMES: Readonly<Record<number, string>> = {
  0x01: 'FAT12',
  0x04: 'FAT16 <32M',
  0x05: 'Extended',
  0x06: 'FAT16',
  0x07: 'HPFS/NTFS/exFAT',
  0x0b: 'W95 FAT32',
  0x0c: 'W95 FAT32 (LBA)',
  0x0e: 'W95 FAT16 (LBA)',
  0x0f: "W95 Ext'd (LBA)",
  0x82: 'Linux swap / Solaris',
  0x83: 'Linux',
  0x85: 'Linux extended',
  0x8e: 'Linux LVM',
  0xee: 'GPT',
  0xef: 'EFI (FAT-12/16/32)',
  0xfd: 'Linux raid autodetect',
};

/** One raw 16-byte slot. */
interface MbrEntry {
  boot: number;
  type: number;
  firstLba: number;
  sectors: number;
}

/** True when sector 0 ends in the 0x55AA signature. */
export function hasMbrSignature(sector0: Uint8Array): boolean {
  return u8(sector0, 510) === 0x55 && u8(sector0, 511) === 0xaa;
}

/** True when sector 0 holds a protective MBR (a type 0xEE slot), so the disk uses GPT. */
export function isProtectiveMbr(sector0: Uint8Array): boolean {
  return hasMbrSignature(sector0) && entries(sector0).some((entry) => entry.type === 0xee);
}

/**
 * True when sector 0 looks like a partition table rather than the boot sector of a whole-disk
 * file system: boot flags 0x00/0x80 only, and every non-empty entry inside the disk.
 */
export function looksLikeMbr(sector0: Uint8Array, diskBytes: number): boolean {
  if (!hasMbrSignature(sector0)) return false;
  const slots = entries(sector0);
  if (slots.some((entry) => entry.boot !== 0 && entry.boot !== 0x80)) return false;
  const used = slots.filter((entry) => entry.type !== 0);
  return used.length > 0 && used.every((entry) => entry.firstLba > 0 && (entry.firstLba + entry.sectors) * MBR_SECTOR_BYTES <= diskBytes);
}

/** Reads the primary slots and the logical chain of the MBR in `sector0`. */
export function readMbrPartitions(device: BlockDevice, sector0: Uint8Array): Partition[] {
  const partitions: Partition[] = [];
  entries(sector0).forEach((entry, index) => {
    if (entry.type === 0 || entry.sectors === 0) return;
    const extended = EXTENDED_TYPES.has(entry.type);
    partitions.push(toPartition(device, entry, index + 1, entry.firstLba, extended ? 'extended' : 'primary'));
  });
  const container = partitions.find((partition) => partition.kind === 'extended');
  if (container) partitions.push(...readLogicals(device, container.start / MBR_SECTOR_BYTES, container.size / MBR_SECTOR_BYTES));
  return partitions;
}

/** Follows the EBR chain inside the extended partition at `extStartLba`, refusing loops and runaway chains. */
function readLogicals(device: BlockDevice, extStartLba: number, extSectors: number): Partition[] {
  const logicals: Partition[] = [];
  const seen = new Set<number>();
  let ebrLba = extStartLba;
  while (true) {
    if (seen.has(ebrLba)) throw new FsPartitionTableError(`the chain of logical partitions loops back to sector ${ebrLba}`);
    if (logicals.length >= MAX_LOGICAL_PARTITIONS) throw new FsPartitionTableError(`more than ${MAX_LOGICAL_PARTITIONS} logical partitions`);
    if (ebrLba < extStartLba || ebrLba >= extStartLba + extSectors) throw new FsPartitionTableError(`an extended boot record at sector ${ebrLba} lies outside the extended partition`);
    seen.add(ebrLba);
    const ebr = readBytes(device, ebrLba * MBR_SECTOR_BYTES, MBR_SECTOR_BYTES);
    if (!hasMbrSignature(ebr)) throw new FsPartitionTableError(`the extended boot record at sector ${ebrLba} has no 0x55AA signature`);
    const [data, next] = entries(ebr);
    if (data && data.type !== 0 && data.sectors !== 0) {
      logicals.push(toPartition(device, data, 5 + logicals.length, ebrLba + data.firstLba, 'logical'));
    }
    if (!next || next.type === 0 || next.sectors === 0) return logicals;
    ebrLba = extStartLba + next.firstLba;
  }
}

function toPartition(device: BlockDevice, entry: MbrEntry, number: number, firstLba: number, kind: Partition['kind']): Partition {
  const start = firstLba * MBR_SECTOR_BYTES;
  const size = entry.sectors * MBR_SECTOR_BYTES;
  if (start + size > device.size) {
    throw new FsPartitionTableError(`partition ${number} (sectors ${firstLba}+${entry.sectors}) ends past the ${device.size}-byte disk`);
  }
  const type = entry.type;
  return {
    number,
    scheme: 'mbr',
    type: `0x${type.toString(16).padStart(2, '0')}`,
    typeName: TYPE_NAMES[type] ?? 'unknown',
    start,
    size,
    name: '',
    kind,
    bootable: entry.boot === 0x80,
    uuid: '',
  };
}

function entries(sector: Uint8Array): MbrEntry[] {
  const result: MbrEntry[] = [];
  for (let i = 0; i < 4; i++) {
    const at = TABLE_OFFSET + i * ENTRY_BYTES;
    result.push({ boot: u8(sector, at), type: u8(sector, at + 4), firstLba: u32(sector, at + 8), sectors: u32(sector, at + 12) });
  }
  return result;
}

/** The 16-bit value at 510 (0xAA55 on a valid MBR); exported for diagnostics. */
export function mbrSignature(sector0: Uint8Array): number {
  return u16(sector0, 510);
}
