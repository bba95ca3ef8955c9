/**
 * Directory blocks: parsing linear entries (which also covers htree blocks, whose index data
 * hides in entries of inode 0), the metadata_csum tail, and inserting or removing one entry.
 */
import { setU16, setU32, setU8, u16, u32, u8 } from '../bytes.ts';
import { crc32cRaw } from '../crc.ts';
import { FsCorruptionError } from '../errors.ts';

/** Bytes of the checksum tail (a fake entry) at the end of each leaf block under metadata_csum. */
export const DIR_TAIL_BYTES = 12;
const TAIL_FILE_TYPE = 0xde;

/** One directory entry as stored. */
export interface RawDirEntry {
  /** Byte offset in the block. */
  offset: number;
  inode: number;
  recLen: number;
  nameLen: number;
  fileType: number;
  name: Uint8Array;
}

/** Bytes an entry with a name of `nameLen` bytes needs (header plus name, rounded to 4). */
export function entryBytes(nameLen: number): number {
  return (8 + nameLen + 3) & ~3;
}

/** True when the last 12 bytes of `block` are a checksum tail. */
export function hasTail(block: Uint8Array): boolean {
  const at = block.length - DIR_TAIL_BYTES;
  return u32(block, at) === 0 && u16(block, at + 4) === DIR_TAIL_BYTES && u8(block, at + 6) === 0 && u8(block, at + 7) === TAIL_FILE_TYPE;
}

/**
 * Entries of `block` in order, including unused ones (inode 0), excluding the checksum tail.
 * `fileTypes` says whether byte 7 is a type (filetype feature) or the high byte of the name length.
 */
export function parseDirBlock(block: Uint8Array, fileTypes: boolean, where: string): RawDirEntry[] {
  const end = hasTail(block) ? block.length - DIR_TAIL_BYTES : block.length;
  const entries: RawDirEntry[] = [];
  let offset = 0;
  while (offset < end) {
    if (offset + 8 > end) throw new FsCorruptionError(`${where}: truncated entry at byte ${offset}`);
    const recLen = u16(block, offset + 4);
    const nameLen = fileTypes ? u8(block, offset + 6) : u16(block, offset + 6);
    if (recLen < 8 || recLen % 4 !== 0 || offset + recLen > end || (u32(block, offset) !== 0 && 8 + nameLen > recLen)) {
      throw new FsCorruptionError(`${where}: bad entry at byte ${offset} (length ${recLen}, name ${nameLen})`);
    }
    entries.push({
      offset,
      inode: u32(block, offset),
      recLen,
      nameLen,
      fileType: fileTypes ? u8(block, offset + 7) : 0,
      name: block.subarray(offset + 8, offset + 8 + Math.min(nameLen, recLen - 8)),
    });
    offset += recLen;
  }
  return entries;
}

/** Checks the tail checksum of a leaf block (blocks without a tail, such as htree nodes, pass). */
export function verifyDirBlock(block: Uint8Array, seed: number, where: string): void {
  if (!hasTail(block)) return;
  const at = block.length - DIR_TAIL_BYTES;
  if (crc32cRaw(seed, block.subarray(0, at)) !== u32(block, at + 8)) throw new FsCorruptionError(`${where}: directory block checksum mismatch`);
}

/** Writes a fresh checksum tail at the end of `block`. */
export function writeTail(block: Uint8Array, seed: number): void {
  const at = block.length - DIR_TAIL_BYTES;
  setU32(block, at, 0);
  setU16(block, at + 4, DIR_TAIL_BYTES);
  setU8(block, at + 6, 0);
  setU8(block, at + 7, TAIL_FILE_TYPE);
  setU32(block, at + 8, crc32cRaw(seed, block.subarray(0, at)));
}

/** Stores one entry header and name at `offset`. */
export function writeEntry(block: Uint8Array, offset: number, inode: number, recLen: number, name: Uint8Array, fileType: number, fileTypes: boolean): void {
  setU32(block, offset, inode);
  setU16(block, offset + 4, recLen);
  if (fileTypes) {
    setU8(block, offset + 6, name.length);
    setU8(block, offset + 7, fileType);
  } else {
    setU16(block, offset + 6, name.length);
  }
  block.set(name, offset + 8);
}

/**
 * Inserts an entry into `block` if there is room, by taking the slack of an existing entry (or
 * reusing an empty one). Returns false when the block is full. `limit` is where entries end.
 */
export function insertEntry(block: Uint8Array, limit: number, inode: number, name: Uint8Array, fileType: number, fileTypes: boolean): boolean {
  const need = entryBytes(name.length);
  let offset = 0;
  while (offset < limit) {
    const recLen = u16(block, offset + 4);
    if (recLen < 8 || offset + recLen > limit) return false;
    const used = u32(block, offset) === 0 ? 0 : entryBytes(fileTypes ? u8(block, offset + 6) : u16(block, offset + 6));
    if (recLen - used >= need) {
      if (used === 0) {
        writeEntry(block, offset, inode, recLen, name, fileType, fileTypes);
      } else {
        setU16(block, offset + 4, used);
        writeEntry(block, offset + used, inode, recLen - used, name, fileType, fileTypes);
      }
      return true;
    }
    offset += recLen;
  }
  return false;
}

/** Removes the entry at `offset` of `block`: merged into the previous entry, or marked unused when first. */
export function removeEntryAt(block: Uint8Array, entries: readonly RawDirEntry[], offset: number): void {
  const index = entries.findIndex((entry) => entry.offset === offset);
  const entry = entries[index];
  if (!entry) throw new FsCorruptionError(`no directory entry at byte ${offset}`);
  const previous = index > 0 ? entries[index - 1] : undefined;
  if (previous) {
    setU16(block, previous.offset + 4, previous.recLen + entry.recLen);
  } else {
    setU32(block, offset, 0);
  }
}

/** An empty leaf block: one unused entry spanning it (and a tail when `seed` is given). */
export function emptyDirBlock(blockSize: number, seed: number | null): Uint8Array {
  const block = new Uint8Array(blockSize);
  setU16(block, 4, seed === null ? blockSize : blockSize - DIR_TAIL_BYTES);
  if (seed !== null) writeTail(block, seed);
  return block;
}
