/**
 * Writes a file tree as a cpio archive in the "newc" format, the one the Linux kernel unpacks as
 * an initramfs: per entry a 110-byte ASCII header ("070701" and 13 eight-digit hex fields: inode,
 * mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize,
 * check), the NUL-terminated name padded to 4 bytes, the data padded to 4 bytes; then the entry
 * "TRAILER!!!". Pure and deterministic: inodes count up from 1 in the tree's order, device numbers
 * are 0, names are relative ("." for the root).
 */
import { GuestAssetsLimitError } from './errors.ts';
import type { TreeEntry } from './file-tree.ts';

/** Type bits of the mode field. */
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
/** The newc header: magic and 13 fields of 8 hex digits. */
const HEADER_BYTES = 110;
const MAX_FIELD = 0xffff_ffff;
const TRAILER = 'TRAILER!!!';

const encoder = new TextEncoder();

/** `value` as 8 upper-case hex digits; throws `GuestAssetsLimitError` above 32 bits. */
function hex8(value: number, what: string): string {
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_FIELD) throw new GuestAssetsLimitError(`cpio: ${what} ${value} does not fit in 32 bits`);
  return value.toString(16).toUpperCase().padStart(8, '0');
}

/** Bytes to add after `length` to reach a multiple of 4. */
const pad4 = (length: number): number => (4 - (length % 4)) % 4;

/** One member: header fields, name and data. */
interface Member {
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  name: Uint8Array;
  data: Uint8Array;
}

/** The header, name and padding of `member`, and its data padding length. */
function headerOf(member: Member): Uint8Array {
  const fields = [member.ino, member.mode, member.uid, member.gid, member.nlink, member.mtime, member.data.byteLength, 0, 0, 0, 0, member.name.byteLength + 1, 0];
  const names = ['inode', 'mode', 'uid', 'gid', 'nlink', 'mtime', 'file size', 'devmajor', 'devminor', 'rdevmajor', 'rdevminor', 'name size', 'check'];
  const text = `070701${fields.map((value, index) => hex8(value, names[index] ?? 'field')).join('')}`;
  const header = new Uint8Array(HEADER_BYTES + member.name.byteLength + 1 + pad4(HEADER_BYTES + member.name.byteLength + 1));
  header.set(encoder.encode(text), 0);
  header.set(member.name, HEADER_BYTES);
  return header;
}

/** The directories' link counts: 2 plus one per subdirectory. */
function directoryLinks(entries: readonly TreeEntry[]): Map<string, number> {
  const links = new Map<string, number>();
  for (const entry of entries) if (entry.type === 'directory') links.set(entry.path, 2);
  for (const entry of entries) {
    if (entry.type !== 'directory' || entry.path === '') continue;
    const slash = entry.path.lastIndexOf('/');
    const parent = slash < 0 ? '' : entry.path.slice(0, slash);
    links.set(parent, (links.get(parent) ?? 2) + 1);
  }
  return links;
}

/**
 * The newc cpio archive of `entries` (in the order given: parents must come before children, as
 * `FileTree.entries()` gives them), as one new buffer the caller owns.
 */
export function writeCpioNewc(entries: readonly TreeEntry[]): Uint8Array {
  const links = directoryLinks(entries);
  const parts: Uint8Array[] = [];
  let total = 0;
  const push = (bytes: Uint8Array) => {
    parts.push(bytes);
    total += bytes.byteLength;
  };
  const add = (member: Member) => {
    push(headerOf(member));
    push(member.data);
    push(new Uint8Array(pad4(member.data.byteLength)));
  };
  entries.forEach((entry, index) => {
    const typeBits = entry.type === 'directory' ? S_IFDIR : entry.type === 'symlink' ? S_IFLNK : S_IFREG;
    add({
      ino: index + 1,
      mode: typeBits | (entry.mode & 0o7777),
      uid: entry.uid,
      gid: entry.gid,
      nlink: entry.type === 'directory' ? (links.get(entry.path) ?? 2) : 1,
      mtime: entry.mtime,
      name: encoder.encode(entry.path === '' ? '.' : entry.path),
      data: entry.type === 'file' ? entry.data : entry.type === 'symlink' ? encoder.encode(entry.target) : new Uint8Array(0),
    });
  });
  add({ ino: 0, mode: 0, uid: 0, gid: 0, nlink: 1, mtime: 0, name: encoder.encode(TRAILER), data: new Uint8Array(0) });
  const archive = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    archive.set(part, at);
    at += part.byteLength;
  }
  return archive;
}
