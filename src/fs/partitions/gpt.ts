/** Reading a GUID partition table: header and entry array, both CRC-checked, backup as fallback. */
import type { BlockDevice } from '../block-device.ts';
import { readBytes } from '../block-device.ts';
import { u32, u64 } from '../bytes.ts';
import { crc32 } from '../crc.ts';
import { FsPartitionTableError } from '../errors.ts';
import type { Partition } from './types.ts';

const SIGNATURE = 'EFI PART';
const MIN_HEADER_BYTES = 92;
/** Entry arrays larger than this are refused before reading them. */
const MAX_ENTRY_ARRAY_BYTES = 4 * 1024 * 1024;

const TYPE_NAMES: Readonly<Record<string, string>> = {
  'c12a7328-f81f-11d2-ba4b-00a0c93ec93b': 'EFI System',
  '21686148-6449-6e6f-744e-656564454649': 'BIOS boot',
  '0fc63daf-8483-4772-8e79-3d69d8477de4': 'Linux filesystem',
  '0657fd6d-a4ab-43c4-84e5-0933c84b4f4f': 'Linux swap',
  'e6d6d379-f507-44c2-a23c-238f2a3df928': 'Linux LVM',
  '4f68bce3-e8cd-4db1-96e7-fbcaf984b709': 'Linux root (x86-64)',
  '44479540-f297-41b2-9af7-d131d5f0458a': 'Linux root (x86)',
  'ebd0a0a2-b9e5-4433-87c0-68b6b72699c7': 'Microsoft basic data',
  'e3c9e316-0b5c-4db8-817d-f92df00215ae': 'Microsoft reserved',
};

/** The mixed-endian GUID at `at` in its usual text form. */
export function guidAt(bytes: Uint8Array, at: number): string {
  const hex = (i: number): string => (bytes[at + i] ?? 0).toString(16).padStart(2, '0');
  const part = (indices: number[]): string => indices.map(hex).join('');
  return `${part([3, 2, 1, 0])}-${part([5, 4])}-${part([7, 6])}-${part([8, 9])}-${part([10, 11, 12, 13, 14, 15])}`;
}

/** Decoded header fields that matter. */
interface GptHeader {
  firstUsable: number;
  lastUsable: number;
  entriesLba: number;
  entryCount: number;
  entryBytes: number;
  entriesCrc: number;
}

/** Reads the GPT of `device` with `sectorSize`; the primary header first, the backup when the primary is bad. */
export function readGptPartitions(device: BlockDevice, sectorSize: number): Partition[] {
  const lastLba = Math.floor(device.size / sectorSize) - 1;
  const problems: string[] = [];
  for (const lba of [1, lastLba]) {
    try {
      const header = readHeader(device, lba, sectorSize);
      return readEntries(device, header, sectorSize);
    } catch (error) {
      if (!(error instanceof FsPartitionTableError)) throw error;
      problems.push(error.message);
    }
  }
  throw new FsPartitionTableError(`no valid GPT: ${problems.join('; ')}`);
}

/** True when the sector at LBA 1 (for `sectorSize`) starts with the GPT signature. */
export function hasGptSignature(device: BlockDevice, sectorSize: number): boolean {
  if (device.size < 2 * sectorSize) return false;
  const head = readBytes(device, sectorSize, 8);
  return String.fromCharCode(...head) === SIGNATURE;
}

function readHeader(device: BlockDevice, lba: number, sectorSize: number): GptHeader {
  const where = lba === 1 ? 'primary GPT header' : 'backup GPT header';
  if (lba < 1 || (lba + 1) * sectorSize > device.size) throw new FsPartitionTableError(`${where} lies outside the disk`);
  const sector = readBytes(device, lba * sectorSize, sectorSize);
  if (String.fromCharCode(...sector.subarray(0, 8)) !== SIGNATURE) throw new FsPartitionTableError(`${where}: no 'EFI PART' signature`);
  const headerBytes = u32(sector, 12);
  if (headerBytes < MIN_HEADER_BYTES || headerBytes > sectorSize) throw new FsPartitionTableError(`${where}: header size ${headerBytes} is invalid`);
  const copy = sector.slice(0, headerBytes);
  copy.fill(0, 16, 20);
  if (crc32(copy) !== u32(sector, 16)) throw new FsPartitionTableError(`${where}: header CRC mismatch`);
  const header: GptHeader = {
    firstUsable: u64(sector, 40, 'first usable LBA'),
    lastUsable: u64(sector, 48, 'last usable LBA'),
    entriesLba: u64(sector, 72, 'entry array LBA'),
    entryCount: u32(sector, 80),
    entryBytes: u32(sector, 84),
    entriesCrc: u32(sector, 88),
  };
  if (header.entryBytes < 128 || header.entryBytes % 8 !== 0) throw new FsPartitionTableError(`${where}: entry size ${header.entryBytes} is invalid`);
  if (header.entryCount * header.entryBytes > MAX_ENTRY_ARRAY_BYTES) throw new FsPartitionTableError(`${where}: entry array of ${header.entryCount} entries is too large`);
  return header;
}

function readEntries(device: BlockDevice, header: GptHeader, sectorSize: number): Partition[] {
  const arrayBytes = header.entryCount * header.entryBytes;
  if ((header.entriesLba + Math.ceil(arrayBytes / sectorSize)) * sectorSize > device.size) throw new FsPartitionTableError('GPT entry array lies outside the disk');
  const array = readBytes(device, header.entriesLba * sectorSize, arrayBytes);
  if (crc32(array) !== header.entriesCrc) throw new FsPartitionTableError('GPT entry array CRC mismatch');
  const partitions: Partition[] = [];
  for (let i = 0; i < header.entryCount; i++) {
    const entry = array.subarray(i * header.entryBytes, (i + 1) * header.entryBytes);
    const type = guidAt(entry, 0);
    if (type === '00000000-0000-0000-0000-000000000000') continue;
    const first = u64(entry, 32, 'partition start');
    const last = u64(entry, 40, 'partition end');
    if (last < first || (last + 1) * sectorSize > device.size) {
      throw new FsPartitionTableError(`GPT partition ${i + 1} (sectors ${first}-${last}) does not fit the disk`);
    }
    partitions.push({
      number: i + 1,
      scheme: 'gpt',
      type,
      typeName: TYPE_NAMES[type] ?? 'unknown',
      start: first * sectorSize,
      size: (last - first + 1) * sectorSize,
      name: utf16Name(entry.subarray(56, 128)),
      kind: 'gpt',
      bootable: (u32(entry, 48) & 4) !== 0,
      uuid: guidAt(entry, 16),
    });
  }
  return partitions;
}

function utf16Name(bytes: Uint8Array): string {
  let end = 0;
  while (end + 1 < bytes.length && (bytes[end] !== 0 || bytes[end + 1] !== 0)) end += 2;
  return new TextDecoder('utf-16le').decode(bytes.subarray(0, end));
}
