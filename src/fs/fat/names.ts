/**
 * FAT names: 8.3 short names (validity, generation with numeric `~N` tails), VFAT long-name
 * entries (UTF-16 in 13-character slices, checksummed against the short name).
 */
import { setU16, u16, u8 } from '../bytes.ts';
import { FsInvalidPathError } from '../errors.ts';

/** Longest long name, in UTF-16 code units. */
export const MAX_LONG_NAME_UNITS = 255;
/** Characters never allowed in a long name. */
const FORBIDDEN_LONG = /[\u0000-\u001f"*/:<>?\\|]/;
/** Characters allowed in a short name besides A-Z and 0-9. */
const SHORT_EXTRA = new Set("!#$%&'()-@^_`{}~".split(''));
/** Offsets of the 13 UTF-16 characters inside a long-name entry. */
const LFN_CHAR_OFFSETS = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];

/** Throws `FsInvalidPathError` unless `name` can be a FAT long name. */
export function checkLongName(name: string): void {
  if (name === '' || name === '.' || name === '..') throw new FsInvalidPathError(`'${name}' cannot be a file name`);
  if (name.length > MAX_LONG_NAME_UNITS) throw new FsInvalidPathError(`name '${name.slice(0, 20)}...' is longer than ${MAX_LONG_NAME_UNITS} characters`);
  if (FORBIDDEN_LONG.test(name)) throw new FsInvalidPathError(`name '${name}' contains a character FAT forbids`);
  if (name.endsWith(' ') || name.endsWith('.')) throw new FsInvalidPathError(`name '${name}' ends in a space or a dot, which FAT drops`);
}

/** The 11-byte short name as text (`README  TXT` → `README.TXT`). */
export function shortNameText(raw: Uint8Array): string {
  const chars = (bytes: Uint8Array): string => String.fromCharCode(...bytes).trimEnd();
  const first = raw[0] === 0x05 ? new Uint8Array([0xe5, ...raw.subarray(1, 8)]) : raw.subarray(0, 8);
  const base = chars(first);
  const ext = chars(raw.subarray(8, 11));
  return ext === '' ? base : `${base}.${ext}`;
}

/** The short name itself when `name` is a valid upper-case 8.3 name, so no long-name entries are needed; else null. */
export function exactShortName(name: string): Uint8Array | null {
  const dot = name.lastIndexOf('.');
  const base = dot < 0 ? name : name.slice(0, dot);
  const ext = dot < 0 ? '' : name.slice(dot + 1);
  if (base.length === 0 || base.length > 8 || ext.length > 3 || (dot >= 0 && ext.length === 0)) return null;
  if (![...base, ...ext].every((c) => (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || SHORT_EXTRA.has(c))) return null;
  return pack(base, ext);
}

/**
 * The short name and NT case flags (byte 12: 0x08 lower-case base, 0x10 lower-case extension)
 * when `name` is an 8.3 name whose base and extension are each all upper or all lower case, so
 * it needs no long-name entries (as Linux and mtools store `readme.txt`); else null.
 */
export function caseFlaggedShortName(name: string): { raw: Uint8Array; flags: number } | null {
  const raw = exactShortName(name.toUpperCase());
  if (!raw) return null;
  const dot = name.lastIndexOf('.');
  const base = dot < 0 ? name : name.slice(0, dot);
  const ext = dot < 0 ? '' : name.slice(dot + 1);
  const caseOf = (part: string): number | null => (part === part.toUpperCase() ? 0 : part === part.toLowerCase() ? 1 : null);
  const baseCase = caseOf(base);
  const extCase = caseOf(ext);
  if (baseCase === null || extCase === null) return null;
  return { raw, flags: (baseCase ? 0x08 : 0) | (extCase ? 0x10 : 0) };
}

/** A short name for `name` that `taken` (upper-case short-name texts of the directory) does not hold: basis name plus `~N`. */
export function generateShortName(name: string, taken: ReadonlySet<string>): Uint8Array {
  const exact = exactShortName(name);
  if (exact && !taken.has(shortNameText(exact))) return exact;
  const cleaned = name.replace(/^[. ]+/, '');
  const dot = cleaned.lastIndexOf('.');
  const baseSource = (dot <= 0 ? cleaned : cleaned.slice(0, dot)).replace(/[ .]/g, '');
  const extSource = dot <= 0 ? '' : cleaned.slice(dot + 1).replace(/[ .]/g, '');
  const base = toShortChars(baseSource).slice(0, 8) || '_';
  const ext = toShortChars(extSource).slice(0, 3);
  for (let n = 1; n < 1_000_000; n++) {
    const tail = `~${n}`;
    const candidate = pack(base.slice(0, 8 - tail.length) + tail, ext);
    if (!taken.has(shortNameText(candidate))) return candidate;
  }
  throw new FsInvalidPathError(`no free short name for '${name}'`);
}

function toShortChars(text: string): string {
  let out = '';
  for (const c of text.toUpperCase()) out += (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || SHORT_EXTRA.has(c) ? c : '_';
  return out;
}

function pack(base: string, ext: string): Uint8Array {
  const raw = new Uint8Array(11).fill(0x20);
  for (let i = 0; i < base.length; i++) raw[i] = base.charCodeAt(i);
  for (let i = 0; i < ext.length; i++) raw[8 + i] = ext.charCodeAt(i);
  if (raw[0] === 0xe5) raw[0] = 0x05;
  return raw;
}

/** The VFAT checksum of an 11-byte short name. */
export function shortNameChecksum(raw: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = (((sum & 1) << 7) + (sum >> 1) + raw[i]!) & 0xff;
  return sum;
}

/** The long-name entries for `name`, in on-disk order (highest sequence number first). */
export function longNameEntries(name: string, shortName: Uint8Array): Uint8Array[] {
  const units: number[] = [];
  for (let i = 0; i < name.length; i++) units.push(name.charCodeAt(i));
  const count = Math.ceil(units.length / 13);
  if (units.length % 13 !== 0) units.push(0);
  while (units.length < count * 13) units.push(0xffff);
  const checksum = shortNameChecksum(shortName);
  const entries: Uint8Array[] = [];
  for (let seq = count; seq >= 1; seq--) {
    const entry = new Uint8Array(32);
    entry[0] = seq | (seq === count ? 0x40 : 0);
    entry[11] = 0x0f;
    entry[13] = checksum;
    LFN_CHAR_OFFSETS.forEach((at, i) => setU16(entry, at, units[(seq - 1) * 13 + i]!));
    entries.push(entry);
  }
  return entries;
}

/** The 13 UTF-16 units of one long-name entry, up to its terminator. */
export function longNamePart(entry: Uint8Array): string {
  let text = '';
  for (const at of LFN_CHAR_OFFSETS) {
    const unit = u16(entry, at);
    if (unit === 0) break;
    text += String.fromCharCode(unit);
  }
  return text;
}

/** The sequence number (1-20) of a long-name entry and whether it is the last (first stored). */
export function longNameSequence(entry: Uint8Array): { seq: number; last: boolean; checksum: number } {
  const ord = u8(entry, 0);
  return { seq: ord & 0x1f, last: (ord & 0x40) !== 0, checksum: u8(entry, 13) };
}
