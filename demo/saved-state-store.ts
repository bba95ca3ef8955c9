/**
 * Saved v86 states of the Linux guest, one OPFS file each in the folder `qedisk-v86-states`
 * (beside the disks' folder, which it never touches). A file is named
 * `<config>-<disk bytes>.v86state.gz` after its `GuestStateKey` and holds the state gzipped
 * (`CompressionStream`): v86 keeps every non-zero page of guest memory and all of video memory,
 * about 40 MB here, which shrinks to about a quarter. Storing a state removes the states of every
 * other config, which no longer match the guest files, and all but the newest few of its own.
 */
import type { GuestStateKey } from './guest-state-key.ts';

/** The OPFS folder of the states. */
const FOLDER_NAME = 'qedisk-v86-states';
/** File name suffix of a state. */
const SUFFIX = '.v86state.gz';
/** States kept per config (one per disk size); storing another removes the least recently stored. */
const MAX_STATES_PER_CONFIG = 3;
/** `save_state()` output starts with this magic (int32, little-endian) ... */
const STATE_MAGIC = -2039052682;
/** ... followed by the state format version this v86 build reads ... */
const STATE_VERSION = 6;
/** ... and the total length in bytes: a header of four int32. */
const STATE_HEADER_BYTES = 16;

/** One stored state. */
export interface SavedStateEntry {
  /** The file's name in the folder. */
  fileName: string;
  /** Size of the file (gzipped) in bytes. */
  bytes: number;
  /** When it was stored, in milliseconds since the epoch. */
  storedAt: number;
}

function fileNameOf(key: GuestStateKey): string {
  return `${key.config}-${key.diskBytes}${SUFFIX}`;
}

async function folder(): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(FOLDER_NAME, { create: true });
}

function isNotFound(error: unknown): boolean {
  return error instanceof DOMException && (error.name === 'NotFoundError' || error.name === 'TypeMismatchError');
}

/** `bytes` gzipped. */
function gzip(bytes: ArrayBuffer): Promise<Blob> {
  return new Response(new Blob([bytes]).stream().pipeThrough(new CompressionStream('gzip'))).blob();
}

/** The bytes gzipped in `file`; rejects when it is not a complete gzip stream. */
function gunzip(file: Blob): Promise<ArrayBuffer> {
  return new Response(file.stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer();
}

/** True when `state` looks like a complete, uncompressed `save_state()` result this v86 reads. */
export function isUsableState(state: ArrayBuffer): boolean {
  if (state.byteLength < STATE_HEADER_BYTES) return false;
  const header = new DataView(state, 0, STATE_HEADER_BYTES);
  const infoBytes = header.getInt32(12, true);
  if (
    header.getInt32(0, true) !== STATE_MAGIC ||
    header.getInt32(4, true) !== STATE_VERSION ||
    header.getInt32(8, true) !== state.byteLength ||
    infoBytes <= 0 ||
    STATE_HEADER_BYTES + infoBytes > state.byteLength
  ) {
    return false;
  }
  // The info block (JSON) lists the buffers that follow it; each must lie inside the state.
  let info: unknown;
  try {
    info = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(state, STATE_HEADER_BYTES, infoBytes)));
  } catch {
    return false;
  }
  if (typeof info !== 'object' || info === null || !('buffer_infos' in info) || !('state' in info) || !Array.isArray(info.buffer_infos)) return false;
  const buffersStart = (STATE_HEADER_BYTES + infoBytes + 3) & ~3;
  return info.buffer_infos.every((entry: unknown) => bufferFits(entry, buffersStart, state.byteLength));
}

/** True when `entry` is `{offset, length}` of a buffer inside `[start, end)` (bytes). */
function bufferFits(entry: unknown, start: number, end: number): boolean {
  if (typeof entry !== 'object' || entry === null || !('offset' in entry) || !('length' in entry)) return false;
  const { offset, length } = entry;
  if (typeof offset !== 'number' || typeof length !== 'number') return false;
  return Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0 && start + offset + length <= end;
}

/**
 * The state stored under `key`, or null. A stored file that is not a usable state is removed
 * (and `onDamaged` called).
 */
export async function loadSavedState(key: GuestStateKey, onDamaged?: () => void): Promise<ArrayBuffer | null> {
  const dir = await folder();
  let file: File;
  try {
    file = await (await dir.getFileHandle(fileNameOf(key))).getFile();
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
  const state = await gunzip(file).catch(() => null);
  if (state && isUsableState(state)) return state;
  await deleteSavedState(key);
  onDamaged?.();
  return null;
}

/**
 * Stores `state` under `key` (replacing the one there), removes the states of other configs and
 * keeps at most `MAX_STATES_PER_CONFIG` of this one; resolves the stored (gzipped) size in bytes.
 * The file appears complete or not at all: OPFS commits a writable stream on `close()`.
 */
export async function storeSavedState(key: GuestStateKey, state: ArrayBuffer): Promise<number> {
  const dir = await folder();
  const packed = await gzip(state);
  const writable = await (await dir.getFileHandle(fileNameOf(key), { create: true })).createWritable();
  try {
    await writable.write(packed);
    await writable.close();
  } catch (error) {
    await writable.abort().catch(() => undefined);
    throw error;
  }
  const entries = await listSavedStates();
  const ours = entries.filter((entry) => entry.fileName.startsWith(`${key.config}-`)).sort((a, b) => b.storedAt - a.storedAt);
  const keep = new Set([fileNameOf(key), ...ours.slice(0, MAX_STATES_PER_CONFIG).map((entry) => entry.fileName)].slice(0, MAX_STATES_PER_CONFIG));
  for (const entry of entries) {
    if (!keep.has(entry.fileName)) await dir.removeEntry(entry.fileName).catch(() => undefined);
  }
  return packed.size;
}

/** Removes the state stored under `key`; resolves false when there was none. */
export async function deleteSavedState(key: GuestStateKey): Promise<boolean> {
  try {
    await (await folder()).removeEntry(fileNameOf(key));
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** The stored states. */
export async function listSavedStates(): Promise<SavedStateEntry[]> {
  const entries: SavedStateEntry[] = [];
  for await (const [fileName, handle] of (await folder()).entries()) {
    if (handle.kind !== 'file' || !fileName.endsWith(SUFFIX)) continue;
    const file = await (handle as FileSystemFileHandle).getFile();
    entries.push({ fileName, bytes: file.size, storedAt: file.lastModified });
  }
  return entries;
}

/** Removes every stored state; resolves how many there were. */
export async function clearSavedStates(): Promise<number> {
  const dir = await folder();
  const entries = await listSavedStates();
  for (const entry of entries) await dir.removeEntry(entry.fileName);
  return entries.length;
}
