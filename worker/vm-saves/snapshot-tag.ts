/**
 * The VM save tag: 64 bytes at the end of a snapshot file's QED header area that carry the random
 * token of the VM save point standing on the snapshot. The QED spec leaves the header area after
 * the 64-byte struct and the backing name to the writer; QEMU writes and reads nothing there
 * (`qemu-img check`, `info` and `rebase -u` leave it alone), and so does qedisk's engine, which
 * only ever rewrites the struct. Pure functions over bytes; no I/O.
 *
 * ```
 * offset  size  field
 *      0     8  magic "QDVMSAVE"
 *      8     4  version (u32 LE), 1
 *     12     4  zero
 *     16    16  token (the 32 hex digits as 16 bytes)
 *     32    32  zero
 * ```
 */
import { HEADER_STRUCT_SIZE_BYTES } from '../../src/qed/constants.ts';
import { readU32LE, viewOf, writeU32LE } from '../../src/qed/bytes.ts';
import type { QedHeader } from '../../src/qed/header.ts';
import { isVmToken } from '../../src/protocol/vm-saves.ts';
import { QedArgumentError } from '../../src/qed/errors.ts';

/** Bytes of a tag. */
export const SNAPSHOT_TAG_BYTES = 64;
/** The tag's magic, as ASCII bytes. */
const TAG_MAGIC = new TextEncoder().encode('QDVMSAVE');
/** The tag format version. */
const TAG_VERSION = 1;
/** Offsets inside the tag. */
const TAG_OFFSET = { magic: 0, version: 8, token: 16 } as const;
/** Bytes of the token inside the tag. */
const TOKEN_BYTES = 16;

/** The file offset of the tag: the last 64 bytes of the header area (`headerSize` clusters). */
export function snapshotTagOffset(header: Pick<QedHeader, 'clusterSize' | 'headerSize'>): number {
  return header.headerSize * header.clusterSize - SNAPSHOT_TAG_BYTES;
}

/**
 * True when a tag fits in the header area of an image with `header`: after the 64-byte struct
 * and after the backing name (when there is one).
 */
export function tagFits(header: QedHeader, backingNameBytes = header.backingFilenameSize): boolean {
  const offset = snapshotTagOffset(header);
  const used = Math.max(HEADER_STRUCT_SIZE_BYTES, backingNameBytes > 0 ? header.backingFilenameOffset + backingNameBytes : 0);
  return Number.isSafeInteger(offset) && offset >= used;
}

/** The 64 bytes of a tag carrying `token`. Throws `QedArgumentError` for a malformed token. */
export function encodeSnapshotTag(token: string): Uint8Array {
  if (!isVmToken(token)) throw new QedArgumentError('a VM save token is 32 lowercase hex digits');
  const bytes = new Uint8Array(SNAPSHOT_TAG_BYTES);
  bytes.set(TAG_MAGIC, TAG_OFFSET.magic);
  writeU32LE(viewOf(bytes), TAG_OFFSET.version, TAG_VERSION);
  for (let index = 0; index < TOKEN_BYTES; index++) bytes[TAG_OFFSET.token + index] = Number.parseInt(token.slice(2 * index, 2 * index + 2), 16);
  return bytes;
}

/** The token a tag carries, or null when `bytes` hold no valid tag (an untagged snapshot reads as zeros). */
export function decodeSnapshotTag(bytes: Uint8Array): string | null {
  if (bytes.byteLength !== SNAPSHOT_TAG_BYTES) return null;
  if (!TAG_MAGIC.every((byte, index) => bytes[TAG_OFFSET.magic + index] === byte)) return null;
  if (readU32LE(viewOf(bytes), TAG_OFFSET.version) !== TAG_VERSION) return null;
  for (let at = 12; at < TAG_OFFSET.token; at++) if (bytes[at] !== 0) return null;
  for (let at = TAG_OFFSET.token + TOKEN_BYTES; at < SNAPSHOT_TAG_BYTES; at++) if (bytes[at] !== 0) return null;
  return Array.from(bytes.subarray(TAG_OFFSET.token, TAG_OFFSET.token + TOKEN_BYTES), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
