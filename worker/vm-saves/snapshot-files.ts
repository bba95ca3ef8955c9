/**
 * I/O on the QED files of VM save points: writing and reading the tag of a snapshot file (see
 * `snapshot-tag.ts`), and renaming the backing file an imported snapshot names.
 */
import { OpfsFile } from '../../src/backends/opfs-file.ts';
import type { SyncFile } from '../../src/engine/sync-file.ts';
import { readFully, writeFully } from '../../src/engine/sync-file.ts';
import { FEATURE_BACKING_FILE, FEATURE_BACKING_FORMAT_NO_PROBE, HEADER_STRUCT_SIZE_BYTES, MAX_BACKING_NAME_BYTES } from '../../src/qed/constants.ts';
import { QedArgumentError, QedCorruptionError } from '../../src/qed/errors.ts';
import { type QedHeader, decodeHeader, encodeBackingName, encodeHeader } from '../../src/qed/header.ts';
import { SNAPSHOT_TAG_BYTES, decodeSnapshotTag, encodeSnapshotTag, snapshotTagOffset, tagFits } from './snapshot-tag.ts';

/** Largest header area read at once, in bytes (the tag lies at its end). */
const MAX_HEADER_AREA_BYTES = 64 * 1024 * 1024;

/** The header struct of `file`; `QedCorruptionError` when the tag's place lies outside the file. */
function headerOf(file: SyncFile): QedHeader {
  const bytes = new Uint8Array(HEADER_STRUCT_SIZE_BYTES);
  readFully(file, bytes, 0);
  const header = decodeHeader(bytes);
  const end = header.headerSize * header.clusterSize;
  if (!Number.isSafeInteger(end) || end > MAX_HEADER_AREA_BYTES || end < HEADER_STRUCT_SIZE_BYTES + SNAPSHOT_TAG_BYTES) {
    throw new QedCorruptionError(`the QED header area (${header.headerSize} clusters of ${header.clusterSize} bytes) has no room for a VM save tag`);
  }
  return header;
}

/**
 * Writes the tag carrying `token` into snapshot file `handle` (which no one else may have open).
 * Throws `QedArgumentError` when its backing name leaves no room for the tag.
 */
export async function writeSnapshotTag(handle: FileSystemFileHandle, token: string): Promise<void> {
  const tag = encodeSnapshotTag(token);
  const file = await OpfsFile.open(handle);
  try {
    writeTagInto(file, tag);
  } finally {
    file.close();
  }
}

/** Writes `tag` (64 bytes) at the end of the header area of `file` and flushes. */
export function writeTagInto(file: SyncFile, tag: Uint8Array): void {
  const header = headerOf(file);
  if (!tagFits(header)) throw new QedArgumentError('the backing name of this disk is too long to leave room for a VM save tag');
  writeFully(file, tag, snapshotTagOffset(header));
  file.flush();
}

/** The token in the tag of `handle`'s file, or null when it has none (works while sync handles are open on it). */
export async function readSnapshotTag(handle: FileSystemFileHandle): Promise<string | null> {
  const file = await handle.getFile();
  const header = decodeHeader(new Uint8Array(await file.slice(0, HEADER_STRUCT_SIZE_BYTES).arrayBuffer()));
  const offset = snapshotTagOffset(header);
  if (!Number.isSafeInteger(offset) || offset < HEADER_STRUCT_SIZE_BYTES || offset + SNAPSHOT_TAG_BYTES > file.size) return null;
  return decodeSnapshotTag(new Uint8Array(await file.slice(offset, offset + SNAPSHOT_TAG_BYTES).arrayBuffer()));
}

/** The token in the tag of `file`, or null. */
export function readTagFrom(file: SyncFile): string | null {
  const header = headerOf(file);
  const bytes = new Uint8Array(SNAPSHOT_TAG_BYTES);
  readFully(file, bytes, snapshotTagOffset(header));
  return decodeSnapshotTag(bytes);
}

/** A new backing file for `setBackingName`: its name and whether the header sets the raw bit. */
export interface BackingName {
  /** The backing name (a file of the folder or a URL). */
  name: string;
  /** True to set the raw bit (the base is raw: no probing). */
  raw: boolean;
}

/**
 * Rewrites the header of `file` so that it names `backing` (or nothing), as `qemu-img rebase -u`
 * does: the name goes right after the struct, the bytes of a longer old name are zeroed, the tag
 * stays. Throws `QedArgumentError` when the name would reach into the tag.
 */
export function setBackingName(file: SyncFile, backing: BackingName | null): void {
  const header = headerOf(file);
  const name = backing ? encodeBackingName(backing.name) : new Uint8Array(0);
  if (name.byteLength > MAX_BACKING_NAME_BYTES) throw new QedArgumentError(`backing name is longer than ${MAX_BACKING_NAME_BYTES} bytes`);
  const next: QedHeader = {
    ...header,
    features: (header.features & ~(FEATURE_BACKING_FILE | FEATURE_BACKING_FORMAT_NO_PROBE)) | (backing ? FEATURE_BACKING_FILE : 0n) | (backing?.raw ? FEATURE_BACKING_FORMAT_NO_PROBE : 0n),
    backingFilenameOffset: backing ? HEADER_STRUCT_SIZE_BYTES : 0,
    backingFilenameSize: name.byteLength,
  };
  if (!tagFits(next)) throw new QedArgumentError(`backing name ${JSON.stringify(backing?.name.slice(0, 120))} leaves no room for the VM save tag`);
  const oldEnd = (header.features & FEATURE_BACKING_FILE) !== 0n ? header.backingFilenameOffset + header.backingFilenameSize : 0;
  const clearEnd = Math.min(Math.max(oldEnd, HEADER_STRUCT_SIZE_BYTES), snapshotTagOffset(header));
  if (clearEnd > HEADER_STRUCT_SIZE_BYTES) writeFully(file, new Uint8Array(clearEnd - HEADER_STRUCT_SIZE_BYTES), HEADER_STRUCT_SIZE_BYTES);
  if (name.byteLength > 0) writeFully(file, name, HEADER_STRUCT_SIZE_BYTES);
  writeFully(file, encodeHeader(next), 0);
  file.flush();
}
