/**
 * The Unix `ar` archive as `.deb` files use it: the magic `!<arch>\n`, then members, each a
 * 60-byte ASCII header (name 16, mtime 12, uid 6, gid 6, octal mode 8, decimal size 10, "`\n")
 * followed by its data, padded to an even offset. Pure: reads through an injected function.
 *
 * No npm library is used here: the few well-known `ar` packages are unmaintained, and the format
 * is one fixed header.
 */
import { GuestAssetsFormatError } from './errors.ts';

/** The 8-byte magic at the start of every ar archive. */
export const AR_MAGIC = '!<arch>\n';
/** Size of a member header in bytes. */
export const AR_HEADER_BYTES = 60;
/** A .deb has three members; allow a few more before calling it malformed. */
const MAX_MEMBERS = 64;

/** One member: its name and where its data lies in the archive. */
export interface ArMember {
  /** Name with the padding (and a GNU-style trailing `/`) removed. */
  name: string;
  /** Byte offset of the data in the archive. */
  offset: number;
  /** Data size in bytes. */
  size: number;
}

/** Reads `length` bytes at `offset` of the archive (fewer at its end). */
export type ReadAt = (offset: number, length: number) => Uint8Array;

const ascii = (bytes: Uint8Array): string => String.fromCharCode(...bytes);

/**
 * Lists the members of the ar archive of `archiveBytes` bytes read through `readAt`. Throws
 * `GuestAssetsFormatError` on a bad magic, a malformed header, or a member reaching past the end.
 */
export function listArMembers(readAt: ReadAt, archiveBytes: number): ArMember[] {
  if (archiveBytes < AR_MAGIC.length || ascii(readAt(0, AR_MAGIC.length)) !== AR_MAGIC) {
    throw new GuestAssetsFormatError('not an ar archive (a .deb starts with "!<arch>")');
  }
  const members: ArMember[] = [];
  let at = AR_MAGIC.length;
  while (at < archiveBytes) {
    if (members.length >= MAX_MEMBERS) throw new GuestAssetsFormatError(`more than ${MAX_MEMBERS} ar members`);
    const header = readAt(at, AR_HEADER_BYTES);
    if (header.byteLength < AR_HEADER_BYTES) throw new GuestAssetsFormatError(`ar member header at byte ${at} is cut short`);
    const text = ascii(header);
    if (text.slice(58, 60) !== '`\n') throw new GuestAssetsFormatError(`ar member header at byte ${at} lacks its end marker`);
    const sizeText = text.slice(48, 58).trim();
    if (!/^\d+$/.test(sizeText)) throw new GuestAssetsFormatError(`ar member at byte ${at} has a malformed size ${JSON.stringify(sizeText)}`);
    const size = Number(sizeText);
    const offset = at + AR_HEADER_BYTES;
    if (offset + size > archiveBytes) throw new GuestAssetsFormatError(`ar member at byte ${at} (${size} bytes) reaches past the end of the archive`);
    members.push({ name: text.slice(0, 16).trim().replace(/\/$/, ''), offset, size });
    at = offset + size + (size % 2);
  }
  return members;
}
