/**
 * FAT directories in memory: all 32-byte slots of one directory (fixed root region or cluster
 * chain), decoded into records with their long names, changed in place and staged by sector.
 */
import { setU16, setU32, u16, u32, u8 } from '../bytes.ts';
import { FsCorruptionError, FsNoSpaceError } from '../errors.ts';
import type { FatGeometry } from './boot-sector.ts';
import { clusterOffset } from './boot-sector.ts';
import type { FatTable } from './fat-table.ts';
import { longNamePart, longNameSequence, shortNameChecksum, shortNameText } from './names.ts';

/** Bytes of one directory entry. */
export const ENTRY_BYTES = 32;
/** Most slots a directory may have (the FAT specification's limit). */
export const MAX_DIR_SLOTS = 65536;
/** Attribute bits. */
export const ATTR = { readOnly: 0x01, hidden: 0x02, system: 0x04, volumeId: 0x08, directory: 0x10, archive: 0x20, longName: 0x0f } as const;

/** One live file or directory entry of a directory. */
export interface FatRecord {
  /** The long name when a valid one precedes the entry, else the short name (with NT lower-case flags applied). */
  name: string;
  /** The short name as text (`README.TXT`). */
  shortName: string;
  attr: number;
  cluster: number;
  size: number;
  /** Slot of the first long-name entry (or of the entry itself). */
  firstSlot: number;
  /** Slot of the short entry. */
  slot: number;
}

/** A loaded directory. */
export interface FatDir {
  /** First cluster; 0 for the fixed FAT12/16 root. */
  cluster: number;
  /** Its clusters (empty for the fixed root). */
  clusters: number[];
  /** Every slot's bytes. */
  bytes: Uint8Array;
  /** Slots changed since loading. */
  dirty: Set<number>;
}

/** Reads the directory starting at `cluster` (0: the fixed root). */
export function loadDir(readAt: (offset: number, length: number) => Uint8Array, g: FatGeometry, fat: FatTable, cluster: number): FatDir {
  if (cluster === 0) {
    return { cluster: 0, clusters: [], bytes: readAt(g.rootDirOffset, g.rootEntries * ENTRY_BYTES), dirty: new Set() };
  }
  const limit = Math.ceil((MAX_DIR_SLOTS * ENTRY_BYTES) / g.clusterBytes);
  const clusters = fat.chain(cluster, limit);
  const bytes = new Uint8Array(clusters.length * g.clusterBytes);
  clusters.forEach((c, i) => bytes.set(readAt(clusterOffset(g, c), g.clusterBytes), i * g.clusterBytes));
  return { cluster, clusters, bytes, dirty: new Set() };
}

/** Live records of `dir` (no `.`/`..`, no volume label, no deleted entries). */
export function records(dir: FatDir, includeDots = false): FatRecord[] {
  const result: FatRecord[] = [];
  let parts: string[] = [];
  let expected = 0;
  let checksum = -1;
  let first = -1;
  const slots = dir.bytes.length / ENTRY_BYTES;
  for (let slot = 0; slot < slots; slot++) {
    const entry = dir.bytes.subarray(slot * ENTRY_BYTES, (slot + 1) * ENTRY_BYTES);
    const lead = u8(entry, 0);
    if (lead === 0) break;
    if (lead === 0xe5) {
      expected = 0;
      continue;
    }
    const attr = u8(entry, 11);
    if ((attr & 0x3f) === ATTR.longName) {
      const { seq, last, checksum: sum } = longNameSequence(entry);
      if (last) {
        parts = [];
        expected = seq;
        checksum = sum;
        first = slot;
      }
      if (expected === 0 || seq !== expected || sum !== checksum) {
        expected = 0;
        continue;
      }
      parts.unshift(longNamePart(entry));
      expected--;
      if (expected === 0) expected = -1;
      continue;
    }
    const longValid = expected === -1 && checksum === shortNameChecksum(entry.subarray(0, 11));
    expected = 0;
    if (attr & ATTR.volumeId) continue;
    const shortName = shortNameText(entry.subarray(0, 11));
    if (!includeDots && (shortName === '.' || shortName === '..')) continue;
    result.push({
      name: longValid ? parts.join('') : caseFolded(entry, shortName),
      shortName,
      attr,
      cluster: (u16(entry, 20) << 16) | u16(entry, 26),
      size: u32(entry, 28),
      firstSlot: longValid ? first : slot,
      slot,
    });
  }
  return result;
}

/** The short name with the NT lower-case flags (byte 12) applied. */
function caseFolded(entry: Uint8Array, shortName: string): string {
  const flags = u8(entry, 12);
  const dot = shortName.indexOf('.');
  let base = dot < 0 ? shortName : shortName.slice(0, dot);
  let ext = dot < 0 ? '' : shortName.slice(dot + 1);
  if (flags & 0x08) base = base.toLowerCase();
  if (flags & 0x10) ext = ext.toLowerCase();
  return ext === '' ? base : `${base}.${ext}`;
}

/** The record named `name` (case-insensitively, long or short), or null. */
export function findRecord(dir: FatDir, name: string): FatRecord | null {
  const wanted = name.toUpperCase();
  for (const record of records(dir, true)) {
    if (record.name.toUpperCase() === wanted || record.shortName === wanted) return record;
  }
  return null;
}

/**
 * Finds `count` consecutive free slots, growing a cluster directory by zeroed clusters when
 * needed (their clusters come from `fat`). Returns the first slot. Throws `FsNoSpaceError`
 * for a full fixed root or a directory at its size limit.
 */
export function reserveSlots(dir: FatDir, count: number, g: FatGeometry, fat: FatTable, avoid: ReadonlySet<number>): number {
  const slots = dir.bytes.length / ENTRY_BYTES;
  let run = 0;
  for (let slot = 0; slot < slots; slot++) {
    const lead = dir.bytes[slot * ENTRY_BYTES];
    if (lead === 0) {
      if (slots - slot >= count) return slot - run;
      run += slots - slot;
      break;
    }
    run = lead === 0xe5 ? run + 1 : 0;
    if (run === count) return slot - count + 1;
  }
  if (dir.cluster === 0) throw new FsNoSpaceError('the root directory is full');
  const startSlot = slots - run;
  const missingBytes = (count - run) * ENTRY_BYTES;
  const newClusters = Math.ceil(missingBytes / g.clusterBytes);
  if (slots + (newClusters * g.clusterBytes) / ENTRY_BYTES > MAX_DIR_SLOTS) throw new FsNoSpaceError('the directory has reached its maximum size');
  const added = fat.allocate(newClusters, avoid);
  const last = dir.clusters[dir.clusters.length - 1];
  if (last === undefined) throw new FsCorruptionError('directory without clusters');
  fat.set(last, added[0]!);
  const grown = new Uint8Array(dir.bytes.length + newClusters * g.clusterBytes);
  grown.set(dir.bytes);
  dir.bytes = grown;
  dir.clusters.push(...added);
  for (let slot = slots; slot < grown.length / ENTRY_BYTES; slot++) dir.dirty.add(slot);
  return startSlot;
}

/** Stores `entry` (32 bytes) at `slot`. */
export function putSlot(dir: FatDir, slot: number, entry: Uint8Array): void {
  dir.bytes.set(entry, slot * ENTRY_BYTES);
  dir.dirty.add(slot);
}

/** Marks slots `[first, last]` deleted. */
export function deleteSlots(dir: FatDir, first: number, last: number): void {
  for (let slot = first; slot <= last; slot++) {
    dir.bytes[slot * ENTRY_BYTES] = 0xe5;
    dir.dirty.add(slot);
  }
}

/** A short directory entry. */
export function shortEntry(shortName: Uint8Array, attr: number, cluster: number, size: number, date: number, time: number): Uint8Array {
  const entry = new Uint8Array(ENTRY_BYTES);
  entry.set(shortName, 0);
  entry[11] = attr;
  setU16(entry, 14, time);
  setU16(entry, 16, date);
  setU16(entry, 18, date);
  setU16(entry, 20, cluster >>> 16);
  setU16(entry, 22, time);
  setU16(entry, 24, date);
  setU16(entry, 26, cluster & 0xffff);
  setU32(entry, 28, size);
  return entry;
}

/** Points the short entry at `slot` to `cluster` (used for `..` after a move). */
export function setSlotCluster(dir: FatDir, slot: number, cluster: number): void {
  const at = slot * ENTRY_BYTES;
  setU16(dir.bytes, at + 20, cluster >>> 16);
  setU16(dir.bytes, at + 26, cluster & 0xffff);
  dir.dirty.add(slot);
}

/** Device byte offset of `slot` of `dir`. */
export function slotOffset(dir: FatDir, g: FatGeometry, slot: number): number {
  const byte = slot * ENTRY_BYTES;
  if (dir.cluster === 0) return g.rootDirOffset + byte;
  return clusterOffset(g, dir.clusters[Math.floor(byte / g.clusterBytes)]!) + (byte % g.clusterBytes);
}

/** The modification time of the entry at `slot` as Unix seconds (FAT local time read as UTC). */
export function slotMtime(dir: FatDir, slot: number): number {
  const at = slot * ENTRY_BYTES;
  return fatToUnix(u16(dir.bytes, at + 24), u16(dir.bytes, at + 22));
}

/** FAT date and time words for Unix seconds `seconds` (as UTC, clamped to 1980-2107). */
export function unixToFat(seconds: number): { date: number; time: number } {
  const d = new Date(Math.max(315532800, Math.min(seconds, 4354819198)) * 1000);
  return {
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
  };
}

/** Unix seconds for FAT `date` and `time` words (0 when the date is unset). */
export function fatToUnix(date: number, time: number): number {
  if (date === 0) return 0;
  const ms = Date.UTC(1980 + (date >> 9), ((date >> 5) & 0xf) - 1, date & 0x1f, time >> 11, (time >> 5) & 0x3f, (time & 0x1f) * 2);
  return Math.floor(ms / 1000);
}
