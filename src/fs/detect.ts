/** Recognising which file system (if any) a device holds, from its first sectors only. */
import type { BlockDevice } from './block-device.ts';
import { readBytes } from './block-device.ts';
import { u16 } from './bytes.ts';

/** The family of file system found on a device. */
export type FileSystemFamily = 'ext' | 'fat';

/** Bytes read to recognise a file system. */
const PROBE_BYTES = 2048;

/** `ext` or `fat` when `device` starts with one of their signatures, else null. Reads 2 KiB. */
export function detectFileSystem(device: BlockDevice): FileSystemFamily | null {
  if (device.size < 512) return null;
  const head = readBytes(device, 0, Math.min(PROBE_BYTES, device.size));
  if (head.length >= 2048 && u16(head, 1024 + 0x38) === 0xef53) return 'ext';
  if (looksLikeFatBootSector(head)) return 'fat';
  return null;
}

/** True for a FAT boot sector: a jump, a power-of-two sector size, a sane cluster size and FAT count. */
export function looksLikeFatBootSector(sector: Uint8Array): boolean {
  const jump = sector[0];
  if (jump !== 0xeb && jump !== 0xe9) return false;
  const bytesPerSector = u16(sector, 11);
  const sectorsPerCluster = sector[13] ?? 0;
  const fats = sector[16] ?? 0;
  const reserved = u16(sector, 14);
  if (![512, 1024, 2048, 4096].includes(bytesPerSector)) return false;
  if (sectorsPerCluster === 0 || (sectorsPerCluster & (sectorsPerCluster - 1)) !== 0) return false;
  if (fats === 0 || fats > 4 || reserved === 0) return false;
  // NTFS and exFAT keep their own names at byte 3 and have zero in fields FAT needs.
  const oem = String.fromCharCode(...sector.subarray(3, 11));
  return oem !== 'NTFS    ' && oem !== 'EXFAT   ';
}
