/**
 * `formatFat`: a deterministic mkfs for FAT12, FAT16 and FAT32 (512-byte sectors, two FATs),
 * laid out as mkfs.fat does: reserved sectors (FSInfo and a backup boot sector on FAT32), the
 * FATs, the fixed root directory (FAT12/16) or root cluster 2 (FAT32), then data.
 */
import type { BlockDevice } from '../block-device.ts';
import { setU16, setU32 } from '../bytes.ts';
import { FsInvalidPathError, FsNoSpaceError, FsReadOnlyError } from '../errors.ts';
import type { FatType } from './boot-sector.ts';
import { FatFileSystem } from './fat-file-system.ts';

/** Options of `formatFat`. */
export interface FormatFatOptions {
  /** 12, 16 or 32; default by size (under 16 MiB: 12, under 512 MiB: 16, else 32). */
  type?: FatType;
  /** Volume label, at most 11 characters (stored upper case); default none. */
  label?: string;
  /** The 32-bit volume serial number; default 0. */
  volumeId?: number;
  /** Sectors per cluster (a power of two up to 128); default the smallest that fits the type. */
  sectorsPerCluster?: number;
  /** Skip writing zeros over the FATs and root directory (the device already reads as zeros). */
  assumeZeroed?: boolean;
  /** Clock for the file system returned, seconds since the epoch. */
  now?: () => number;
}

const SECTOR = 512;
const FAT32_RESERVED = 32;
const ROOT_ENTRIES = 512;

interface Plan {
  type: FatType;
  totalSectors: number;
  spc: number;
  reserved: number;
  fatSectors: number;
  rootEntries: number;
  clusters: number;
}

/** Writes an empty FAT file system over the whole of `device` and opens it. */
export function formatFat(device: BlockDevice, options: FormatFatOptions = {}): FatFileSystem {
  if (!device.write) throw new FsReadOnlyError('the device is read-only');
  const totalSectors = Math.min(Math.floor(device.size / SECTOR), 0xffffffff);
  const type = options.type ?? (device.size < 16 * 1024 * 1024 ? 12 : device.size < 512 * 1024 * 1024 ? 16 : 32);
  const plan = planLayout(totalSectors, type, options.sectorsPerCluster);
  const label = (options.label ?? '').toUpperCase();
  if (label.length > 11 || /[^\x20-\x7e]/.test(label)) throw new FsInvalidPathError(`label '${options.label}' must be at most 11 ASCII characters`);
  const boot = bootSector(plan, label, options.volumeId ?? 0);
  const write = (offset: number, data: Uint8Array): void => device.write!(offset, data);
  const fatOffset = plan.reserved * SECTOR;
  if (!options.assumeZeroed) {
    const zeros = new Uint8Array(64 * 1024);
    const end = (plan.reserved + 2 * plan.fatSectors) * SECTOR + Math.ceil((plan.rootEntries * 32) / SECTOR) * SECTOR + (type === 32 ? plan.spc * SECTOR : 0);
    for (let at = SECTOR; at < end; at += zeros.length) write(at, zeros.subarray(0, Math.min(zeros.length, end - at)));
  }
  write(0, boot);
  const head = fatHead(type);
  write(fatOffset, head);
  write(fatOffset + plan.fatSectors * SECTOR, head);
  if (type === 32) {
    const info = fsInfo(plan.clusters - 1);
    write(SECTOR, info);
    write(6 * SECTOR, boot);
    write(7 * SECTOR, info);
  }
  const rootOffset = (plan.reserved + 2 * plan.fatSectors) * SECTOR;
  if (label !== '') {
    const entry = new Uint8Array(32).fill(0x20, 0, 11);
    for (let i = 0; i < label.length; i++) entry[i] = label.charCodeAt(i);
    entry[11] = 0x08;
    write(rootOffset, entry);
  }
  device.flush?.();
  return new FatFileSystem(device, options.now ? { now: options.now } : {});
}

function planLayout(totalSectors: number, type: FatType, fixedSpc: number | undefined): Plan {
  const reserved = type === 32 ? FAT32_RESERVED : 1;
  const rootEntries = type === 32 ? 0 : ROOT_ENTRIES;
  const rootSectors = Math.ceil((rootEntries * 32) / SECTOR);
  const candidates = fixedSpc !== undefined ? [fixedSpc] : [1, 2, 4, 8, 16, 32, 64, 128];
  for (const spc of candidates) {
    if (spc < 1 || spc > 128 || (spc & (spc - 1)) !== 0) throw new FsInvalidPathError(`sectors per cluster ${spc} must be a power of two up to 128`);
    const entryBytes = type === 12 ? 1.5 : type === 16 ? 2 : 4;
    let fatSectors = 1;
    let clusters = 0;
    // Grow the FAT until it covers the clusters left beside it (the count only shrinks as it grows).
    for (let round = 0; round < 64; round++) {
      clusters = Math.floor((totalSectors - reserved - 2 * fatSectors - rootSectors) / spc);
      const needed = Math.max(1, Math.ceil(Math.ceil((clusters + 2) * entryBytes) / SECTOR));
      if (needed <= fatSectors) break;
      fatSectors = needed;
    }
    const fits = type === 12 ? clusters >= 1 && clusters < 4085 : type === 16 ? clusters >= 4085 && clusters < 65525 : clusters >= 65525 && clusters < 0x0ffffff5;
    if (fits) return { type, totalSectors, spc, reserved, fatSectors, rootEntries, clusters };
  }
  throw new FsNoSpaceError(`a device of ${totalSectors} sectors cannot hold FAT${type}${fixedSpc ? ` with ${fixedSpc} sectors per cluster` : ''}`);
}

function bootSector(plan: Plan, label: string, volumeId: number): Uint8Array {
  const s = new Uint8Array(SECTOR);
  s.set(plan.type === 32 ? [0xeb, 0x58, 0x90] : [0xeb, 0x3c, 0x90], 0);
  s.set(new TextEncoder().encode('mkfs.fat'), 3);
  setU16(s, 11, SECTOR);
  s[13] = plan.spc;
  setU16(s, 14, plan.reserved);
  s[16] = 2;
  setU16(s, 17, plan.rootEntries);
  if (plan.totalSectors < 0x10000 && plan.type !== 32) setU16(s, 19, plan.totalSectors);
  else setU32(s, 32, plan.totalSectors);
  s[21] = 0xf8;
  if (plan.type !== 32) setU16(s, 22, plan.fatSectors);
  setU16(s, 24, 32);
  setU16(s, 26, 64);
  let ext = 36;
  if (plan.type === 32) {
    setU32(s, 36, plan.fatSectors);
    setU32(s, 44, 2);
    setU16(s, 48, 1);
    setU16(s, 50, 6);
    ext = 64;
  }
  s[ext] = 0x80;
  s[ext + 2] = 0x29;
  setU32(s, ext + 3, volumeId >>> 0);
  const name = (label === '' ? 'NO NAME' : label).padEnd(11, ' ');
  for (let i = 0; i < 11; i++) s[ext + 7 + i] = name.charCodeAt(i);
  s.set(new TextEncoder().encode(`FAT${plan.type}   `), ext + 18);
  s[510] = 0x55;
  s[511] = 0xaa;
  return s;
}

/** The first sector of a new FAT: media entry, end-of-chain entry, and (FAT32) the root directory's cluster 2. */
function fatHead(type: FatType): Uint8Array {
  const head = new Uint8Array(SECTOR);
  if (type === 12) head.set([0xf8, 0xff, 0xff]);
  else if (type === 16) head.set([0xf8, 0xff, 0xff, 0xff]);
  else head.set([0xf8, 0xff, 0xff, 0x0f, 0xff, 0xff, 0xff, 0x0f, 0xff, 0xff, 0xff, 0x0f]);
  return head;
}

function fsInfo(free: number): Uint8Array {
  const s = new Uint8Array(SECTOR);
  setU32(s, 0, 0x41615252);
  setU32(s, 484, 0x61417272);
  setU32(s, 488, free);
  setU32(s, 492, 3);
  setU32(s, 508, 0xaa550000);
  return s;
}
