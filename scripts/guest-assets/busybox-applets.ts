/**
 * The applets a busybox binary provides and where `busybox --install` would put each, read from
 * the binary itself (the i386 binary cannot run on most build machines, and asking it would make
 * the result depend on the machine). Pure.
 *
 * busybox keeps its applet names as one sorted run of NUL-terminated strings that starts with
 * "[" and "[[", and (with the installer feature) a table of 4-bit install locations, two applets
 * a byte, low nibble first: 0 = /, 1 = /bin, 2 = /sbin, 3 = /usr/bin, 4 = /usr/sbin. The location
 * table is found as the one run of bytes whose nibbles are all valid locations for exactly this
 * many applets (0 only for linuxrc, and 0 in the unused last nibble).
 */
import { GuestAssetsFormatError } from './errors.ts';

/** Where an applet's link goes, relative to the root ('' for the root itself). */
export type AppletDirectory = '' | 'bin' | 'sbin' | 'usr/bin' | 'usr/sbin';

/** One applet. */
export interface Applet {
  /** The applet's name (the link's file name). */
  name: string;
  /** The directory of its link. */
  directory: AppletDirectory;
}

const DIRECTORIES: readonly AppletDirectory[] = ['', 'bin', 'sbin', 'usr/bin', 'usr/sbin'];
const NAMES_START = [0x5b, 0x00, 0x5b, 0x5b, 0x00]; // "[\0[[\0"
const MAX_APPLETS = 2000;
const APPLET_NAME = /^[A-Za-z0-9_.[\]+-]{1,64}$/;

/** The offset of `needle` in `haystack`, or -1. */
function indexOf(haystack: Uint8Array, needle: readonly number[]): number {
  outer: for (let at = 0; at + needle.length <= haystack.byteLength; at += 1) {
    for (let k = 0; k < needle.length; k += 1) if (haystack[at + k] !== needle[k]) continue outer;
    return at;
  }
  return -1;
}

/** The applet names of `binary`; throws `GuestAssetsFormatError` when the name table is not there. */
export function appletNames(binary: Uint8Array): string[] {
  const start = indexOf(binary, NAMES_START);
  if (start < 0) throw new GuestAssetsFormatError('busybox: no applet name table ("[", "[[", ...) in the binary');
  const names: string[] = [];
  let at = start;
  while (at < binary.byteLength && binary[at] !== 0) {
    const end = binary.indexOf(0, at);
    if (end < 0 || names.length >= MAX_APPLETS) break;
    const name = String.fromCharCode(...binary.subarray(at, end));
    if (!APPLET_NAME.test(name)) throw new GuestAssetsFormatError(`busybox: unexpected applet name ${JSON.stringify(name)}`);
    names.push(name);
    at = end + 1;
  }
  return names;
}

/** Whether the `names.length` nibbles at `offset` form a plausible install-location table. */
function isLocationTable(binary: Uint8Array, offset: number, names: readonly string[]): boolean {
  for (let index = 0; index < names.length; index += 1) {
    const location = ((binary[offset + (index >> 1)] ?? 0xff) >> ((index & 1) * 4)) & 0xf;
    if (names[index] === 'linuxrc' ? location !== 0 : location < 1 || location > 4) return false;
  }
  return names.length % 2 === 0 || ((binary[offset + (names.length >> 1)] ?? 0xff) >> 4) === 0;
}

/**
 * The applets of `binary` with their install directories. When the location table cannot be found
 * exactly once, every applet goes to /bin (what `busybox --install -s /bin` does) and
 * `locationsFound` is false.
 */
export function busyboxApplets(binary: Uint8Array): { applets: Applet[]; locationsFound: boolean } {
  const names = appletNames(binary);
  const tableBytes = Math.ceil(names.length / 2);
  const offsets: number[] = [];
  for (let offset = 0; offset + tableBytes <= binary.byteLength && offsets.length < 2; offset += 1) {
    if (isLocationTable(binary, offset, names)) offsets.push(offset);
  }
  const table = offsets.length === 1 ? offsets[0] : undefined;
  const applets = names.map((name, index): Applet => {
    if (table === undefined) return { name, directory: 'bin' };
    const location = ((binary[table + (index >> 1)] ?? 0) >> ((index & 1) * 4)) & 0xf;
    return { name, directory: DIRECTORIES[location] ?? 'bin' };
  });
  return { applets, locationsFound: table !== undefined };
}
