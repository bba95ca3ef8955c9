/**
 * The qedisk VM file: one container for a stored VM save (in OPFS) and for an exported or
 * published VM. Pure encode/decode of its head; the parts that follow are Blobs.
 *
 * ```
 * offset  size  field
 *      0     8  magic "QEDISKVM"
 *      8     4  format version (u32 LE), 1
 *     12     4  manifest length in bytes (u32 LE), at most 1 MiB
 *     16     n  manifest: UTF-8 JSON (`VmFileManifest`)
 *   16+n     .  the parts the manifest lists, back to back: the v86 state (gzip), then for an
 *               exported disk each level's QED file, top first
 * ```
 * The file ends exactly after the last part.
 */
import { readU32LE, viewOf, writeU32LE } from '../../qed/bytes.ts';
import { type VmBaseRef, VmSaveFormatError, isSnapshotIdText, isValidVmSaveName, isVmToken } from '../../protocol/vm-saves.ts';
import { isValidDiskName } from '../../protocol/disk-name.ts';

/** Bytes before the manifest. */
export const VM_FILE_HEAD_BYTES = 16;
/** Longest manifest, in bytes. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;
/** Largest v86 state accepted, in bytes (uncompressed). */
export const MAX_STATE_BYTES = 2 * 1024 * 1024 * 1024;
/** Most disk levels in one file. */
const MAX_LEVELS = 64;
/** Longest JSON of the application's `meta`, in bytes. */
export const MAX_META_BYTES = 16 * 1024;
/** The magic, as ASCII bytes. */
const MAGIC = new TextEncoder().encode('QEDISKVM');
/** The format version this code writes and reads. */
const VERSION = 1;

/** Application data kept with a save (flat, JSON-safe values). */
export type VmMeta = Record<string, string | number | boolean | null>;

/** What the state was saved with: a tagged disk snapshot, or a disk of a size only. */
export type VmFilePoint = { kind: 'bound'; diskName: string; snapshotId: string; token: string; diskBytes: number } | { kind: 'unbound'; diskBytes: number };

/** One part after the manifest. */
export type VmFilePart = { role: 'state'; bytes: number; encoding: 'gzip' } | { role: 'level'; bytes: number; id: string };

/** The manifest of a VM file. */
export interface VmFileManifest {
  format: 'qedisk-vm';
  version: 1;
  /** The save's name. */
  name: string;
  /** When the save was taken, in milliseconds since the epoch. */
  createdAt: number;
  /** Length of the uncompressed v86 state in bytes. */
  stateBytes: number;
  /** What the state stands on. */
  point: VmFilePoint;
  /** The application's data. */
  meta: VmMeta;
  /** The parts, in file order: the state first. */
  parts: VmFilePart[];
  /** The disk carried: none (a stored save, or an unbound one), a chain of overlays, or one flattened image. */
  disk: 'none' | 'overlay' | 'flat';
  /** The HTTP base under the overlays (absolute, or relative to the file's own URL), or null. */
  base: VmBaseRef | null;
}

/** The head of a VM file (magic, version, length, manifest). */
export function encodeVmHead(manifest: VmFileManifest): Uint8Array<ArrayBuffer> {
  const json = new TextEncoder().encode(JSON.stringify(validateManifest(manifest)));
  if (json.byteLength > MAX_MANIFEST_BYTES) throw new VmSaveFormatError('the VM manifest is larger than 1 MiB');
  const head = new Uint8Array(VM_FILE_HEAD_BYTES + json.byteLength);
  head.set(MAGIC, 0);
  writeU32LE(viewOf(head), 8, VERSION);
  writeU32LE(viewOf(head), 12, json.byteLength);
  head.set(json, VM_FILE_HEAD_BYTES);
  return head;
}

/**
 * The manifest length announced by the first 16 bytes of a VM file. Throws `VmSaveFormatError`
 * for another magic, version, or a length over `MAX_MANIFEST_BYTES`.
 */
export function decodeVmHeadLength(first: Uint8Array): number {
  if (first.byteLength < VM_FILE_HEAD_BYTES || !MAGIC.every((byte, index) => first[index] === byte)) throw new VmSaveFormatError('not a qedisk VM file');
  const view = viewOf(first);
  if (readU32LE(view, 8) !== VERSION) throw new VmSaveFormatError(`qedisk VM file version ${readU32LE(view, 8)} is not supported`);
  const length = readU32LE(view, 12);
  if (length === 0 || length > MAX_MANIFEST_BYTES) throw new VmSaveFormatError('the VM manifest length is out of range');
  return length;
}

/**
 * Decodes and checks the manifest of a file of `fileBytes` bytes: every field, and that the
 * parts end exactly at the end of the file. Throws `VmSaveFormatError`.
 */
export function decodeVmManifest(json: Uint8Array, fileBytes: number): VmFileManifest {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch {
    throw new VmSaveFormatError('the VM manifest is not JSON');
  }
  const manifest = validateManifest(value);
  const total = VM_FILE_HEAD_BYTES + json.byteLength + manifest.parts.reduce((sum, part) => sum + part.bytes, 0);
  if (total !== fileBytes) throw new VmSaveFormatError(`the VM file is ${fileBytes} bytes, its manifest describes ${total}`);
  return manifest;
}

/** Byte ranges of the parts of a file whose manifest is `manifestBytes` long. */
export function partRanges(manifest: VmFileManifest, manifestBytes: number): Array<{ part: VmFilePart; start: number; end: number }> {
  let at = VM_FILE_HEAD_BYTES + manifestBytes;
  return manifest.parts.map((part) => {
    const range = { part, start: at, end: at + part.bytes };
    at = range.end;
    return range;
  });
}

/** `value` as a manifest, or `VmSaveFormatError` naming the first field that is wrong. */
export function validateManifest(value: unknown): VmFileManifest {
  const fail = (field: string): never => {
    throw new VmSaveFormatError(`the VM manifest has a bad ${field}`);
  };
  if (!isObject(value) || value['format'] !== 'qedisk-vm' || value['version'] !== VERSION) return fail('format or version');
  const { name, createdAt, stateBytes, point, meta, parts, disk, base } = value;
  if (!isValidVmSaveName(name)) return fail('name');
  if (!isCount(createdAt)) return fail('createdAt');
  if (!isCount(stateBytes) || stateBytes < 16 || stateBytes > MAX_STATE_BYTES) return fail('stateBytes');
  const checkedPoint = validatePoint(point) ?? fail('point');
  const checkedMeta = validateMeta(meta) ?? fail('meta');
  if (disk !== 'none' && disk !== 'overlay' && disk !== 'flat') return fail('disk');
  const checkedParts = validateParts(parts) ?? fail('parts');
  const levels = checkedParts.filter((part) => part.role === 'level').length;
  if (checkedParts[0]?.role !== 'state' || checkedParts.slice(1).some((part) => part.role === 'state')) return fail('parts (one state, first)');
  if ((disk === 'none') !== (levels === 0) || (disk === 'flat' && levels !== 1) || (levels > 0 && checkedPoint.kind !== 'bound')) return fail('disk levels');
  const checkedBase = base === null ? null : validateBase(base) ?? fail('base');
  if (checkedBase !== null && disk !== 'overlay') return fail('base (only overlays have one)');
  return { format: 'qedisk-vm', version: VERSION, name, createdAt, stateBytes, point: checkedPoint, meta: checkedMeta, parts: checkedParts, disk, base: checkedBase };
}

function validatePoint(point: unknown): VmFilePoint | null {
  if (!isObject(point) || !isCount(point['diskBytes']) || point['diskBytes'] === 0 || point['diskBytes'] % 512 !== 0) return null;
  const diskBytes = point['diskBytes'];
  if (point['kind'] === 'unbound' && Object.keys(point).length === 2) return { kind: 'unbound', diskBytes };
  const { diskName, snapshotId, token } = point;
  if (point['kind'] !== 'bound' || !isValidDiskName(diskName) || !isSnapshotIdText(snapshotId) || !isVmToken(token)) return null;
  return { kind: 'bound', diskName, snapshotId, token, diskBytes };
}

function validateMeta(meta: unknown): VmMeta | null {
  if (!isObject(meta) || new TextEncoder().encode(JSON.stringify(meta)).byteLength > MAX_META_BYTES) return null;
  const entries = Object.entries(meta);
  const simple = entries.every(([, item]) => item === null || typeof item === 'string' || typeof item === 'boolean' || (typeof item === 'number' && Number.isFinite(item)));
  return simple ? (Object.fromEntries(entries) as VmMeta) : null;
}

function validateParts(parts: unknown): VmFilePart[] | null {
  if (!Array.isArray(parts) || parts.length === 0 || parts.length > MAX_LEVELS + 1) return null;
  const checked: VmFilePart[] = [];
  const ids = new Set<string>();
  for (const part of parts as unknown[]) {
    if (!isObject(part) || !isCount(part['bytes'])) return null;
    const bytes = part['bytes'];
    if (part['role'] === 'state' && part['encoding'] === 'gzip') checked.push({ role: 'state', bytes, encoding: 'gzip' });
    else if (part['role'] === 'level' && isSnapshotIdText(part['id']) && !ids.has(part['id']) && bytes > 0) {
      ids.add(part['id']);
      checked.push({ role: 'level', bytes, id: part['id'] });
    } else return null;
  }
  return checked;
}

function validateBase(base: unknown): VmBaseRef | null {
  if (!isObject(base) || typeof base['url'] !== 'string' || base['url'].length === 0 || base['url'].length > 2048) return null;
  if (base['format'] !== 'raw' && base['format'] !== 'probe') return null;
  return { url: base['url'], format: base['format'] };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
