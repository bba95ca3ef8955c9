/** What a partition table entry says, in one shape for MBR and GPT. */

/** One partition, numbered as Linux and `sfdisk` number it. */
export interface Partition {
  /** Number from 1: MBR primaries by slot (1-4), logicals from 5 in chain order; GPT by entry index + 1. */
  number: number;
  /** `mbr` or `gpt`: the table the entry came from. */
  scheme: 'mbr' | 'gpt';
  /** MBR: the type byte as `0x83`; GPT: the type GUID in lower case. */
  type: string;
  /** A short description of the type (`Linux`, `EFI System`, `W95 FAT32 (LBA)`, ...), or `unknown`. */
  typeName: string;
  /** Byte offset of the first byte on the disk. */
  start: number;
  /** Size in bytes. */
  size: number;
  /** GPT partition name (UTF-16LE decoded); empty for MBR. */
  name: string;
  /** MBR: primary, extended or logical; GPT: always `gpt`. */
  kind: 'primary' | 'extended' | 'logical' | 'gpt';
  /** MBR: the boot flag (0x80); GPT: attribute bit 2 (legacy BIOS bootable). */
  bootable: boolean;
  /** GPT: the unique partition GUID; empty for MBR. */
  uuid: string;
}

/** A disk's partition table. */
export interface PartitionTable {
  /** `none` when the disk has no MBR signature (or only a boot sector of a file system). */
  scheme: 'mbr' | 'gpt' | 'none';
  /** Logical sector size the table was read with, in bytes. */
  sectorSize: number;
  /** Partitions in number order; extended containers included (they hold no file system). */
  partitions: Partition[];
}
