/**
 * What the page, the v86 adapter and the disk worker share about VM save points: the identity of
 * the disk snapshot a save stands on, what the v86 adapter writes into a v86 state in place of
 * disk bytes, the typed errors, and the requests the page sends the worker.
 *
 * A VM save point is a v86 state plus an O(1) snapshot of the disk taken at the same instant. The
 * snapshot is named by its disk, its id and a random token written into the snapshot file
 * itself (in the QED header area, where QEMU keeps nothing), so a state can tell "my snapshot"
 * from another that took its place.
 */
import { QedArgumentError, QedError } from '../qed/errors.ts';
import type { SnapshotFile } from './worker-api.ts';

/** The disk snapshot a bound VM save point stands on. */
export interface VmDiskIdentity {
  /** The disk's name. */
  diskName: string;
  /** The snapshot's id (digits). */
  snapshotId: string;
  /** The random token written into the snapshot file (32 lowercase hex digits). */
  token: string;
}

/**
 * What the v86 adapter records in a v86 state: `bound` to one disk snapshot, or `unbound` (the
 * guest had not read the disk, or drops what it read: any disk of that size fits).
 */
export type AdapterSavePoint = { kind: 'bound'; byteLength: number; identity: VmDiskIdentity } | { kind: 'unbound'; byteLength: number };

/** The first element of the adapter's entry in a v86 state. */
export const ADAPTER_STATE_TAG = 'qedisk-vm-save';
/** The version of that entry. */
export const ADAPTER_STATE_VERSION = 1;

/** 32 lowercase hex digits. */
const TOKEN_PATTERN = /^[0-9a-f]{32}$/;
/** A snapshot id: 1-16 digits. */
const SNAPSHOT_ID_PATTERN = /^[0-9]{1,16}$/;
/** A VM save name: as a disk name, 1-100 characters of `[A-Za-z0-9._-]`, not starting with '.'. */
const SAVE_NAME_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/;

/** Base class of the VM save errors. */
export class VmSaveError extends QedError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'VmSaveError';
}

/**
 * A VM state does not fit the disk it would run on: its snapshot is gone or was replaced, it
 * belongs to another disk or another disk size, or the disk is not at its snapshot.
 */
export class VmSaveMismatchError extends VmSaveError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'VmSaveMismatchError';
}

/** No VM save of that name exists. */
export class VmSaveNotFoundError extends VmSaveError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'VmSaveNotFoundError';
}

/** A stored or imported VM file is damaged, truncated, too large, or not a qedisk VM file. */
export class VmSaveFormatError extends VmSaveError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'VmSaveFormatError';
}

/** True when `value` is a VM token. */
export function isVmToken(value: unknown): value is string {
  return typeof value === 'string' && TOKEN_PATTERN.test(value);
}

/** True when `value` is a snapshot id. */
export function isSnapshotIdText(value: unknown): value is string {
  return typeof value === 'string' && SNAPSHOT_ID_PATTERN.test(value);
}

/** A new random token (128 bits, from `crypto.getRandomValues`). */
export function newVmToken(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** True when `name` is a valid VM save name. */
export function isValidVmSaveName(name: unknown): name is string {
  return typeof name === 'string' && SAVE_NAME_PATTERN.test(name);
}

/** Returns `name` when it is a valid VM save name; throws `QedArgumentError` otherwise. */
export function validateVmSaveName(name: unknown): string {
  if (!isValidVmSaveName(name)) {
    const shown = typeof name === 'string' ? JSON.stringify(name.slice(0, 120)) : typeof name;
    throw new QedArgumentError(`VM save name ${shown} must be 1 to 100 characters of [A-Za-z0-9._-], not starting with '.'`);
  }
  return name;
}

/** The adapter's entry in a v86 state for `point` (strings and numbers only: no disk bytes). */
export function encodeAdapterState(point: AdapterSavePoint): unknown[] {
  if (point.kind === 'unbound') return [ADAPTER_STATE_TAG, ADAPTER_STATE_VERSION, 'unbound', point.byteLength];
  const { diskName, snapshotId, token } = point.identity;
  return [ADAPTER_STATE_TAG, ADAPTER_STATE_VERSION, 'bound', point.byteLength, diskName, snapshotId, token];
}

/**
 * Reads the adapter's entry of a v86 state. Resolves null for an entry written before save points
 * existed (an empty array). Throws `VmSaveFormatError` for anything else that is not a valid entry.
 */
export function decodeAdapterState(state: unknown): AdapterSavePoint | null {
  if (Array.isArray(state) && state.length === 0) return null;
  if (!Array.isArray(state) || state[0] !== ADAPTER_STATE_TAG || state[1] !== ADAPTER_STATE_VERSION) {
    throw new VmSaveFormatError('the v86 state holds no qedisk disk entry this version reads');
  }
  const [, , kind, byteLength, diskName, snapshotId, token] = state as unknown[];
  if (typeof byteLength !== 'number' || !Number.isSafeInteger(byteLength) || byteLength <= 0) {
    throw new VmSaveFormatError('the v86 state names no valid disk size');
  }
  if (kind === 'unbound' && state.length === 4) return { kind, byteLength };
  if (kind === 'bound' && state.length === 7 && typeof diskName === 'string' && isSnapshotIdText(snapshotId) && isVmToken(token)) {
    return { kind, byteLength, identity: { diskName, snapshotId, token } };
  }
  throw new VmSaveFormatError('the v86 state holds a damaged qedisk disk entry');
}

/**
 * True when `a` and `b` stand for the same disk contents: the same token. The disk name and the
 * snapshot id are where the snapshot lives, not what it holds: `importVm` copies a snapshot, with
 * its token, under another disk name (and the worker checks the token in the snapshot file itself).
 */
export function sameSnapshotContents(a: VmDiskIdentity, b: VmDiskIdentity): boolean {
  return a.token === b.token;
}

/** The HTTP base at the bottom of an exported disk: its absolute URL and how its header reads it. */
export interface VmBaseRef {
  /** Absolute URL of the base image. */
  url: string;
  /** `raw` when the overlay's header has the raw bit, else `probe`. */
  format: 'raw' | 'probe';
}

/** One frozen level of an exported disk: a snapshot file, top first. */
export interface VmLevelFile {
  /** The snapshot's id. */
  id: string;
  /** The QED file as it is in OPFS (its header names the level below by its old file name). */
  file: Blob;
}

/** What the worker hands out to export snapshot `snapshotId` as a chain. */
export interface VmChainFiles {
  /** Virtual size in bytes. */
  diskBytes: number;
  /** The snapshot and the snapshots below it, top first. */
  levels: VmLevelFile[];
  /** The HTTP base at the bottom, or null (none, or an OPFS base: see `opfsBase`). */
  base: VmBaseRef | null;
  /** The OPFS file the bottom level names (another disk or a raw base), or null. */
  opfsBase: string | null;
}

/** What an import made. */
export interface VmImportResult {
  /** Virtual size of the new disk in bytes. */
  diskBytes: number;
  /** The id of the snapshot the new disk's overlay sits on (the save point). */
  snapshotId: string;
}

/** The requests the page sends the worker about VM saves (`DiskWorkerApi.vmSaves`). */
export type VmWorkerRequest =
  /** Freezes the disk's overlay as a snapshot with `token` written into it. */
  | { kind: 'snapshot'; diskName: string; token: string }
  /** Checks that the snapshot exists and carries `token`. */
  | { kind: 'verify'; diskName: string; snapshotId: string; token: string }
  /** Checks as `verify`, then puts the disk's overlay on the snapshot (one step in the disk's queue). */
  | { kind: 'restore'; diskName: string; snapshotId: string; token: string }
  /** The snapshot's files and the base below them, for an export. */
  | { kind: 'chain'; diskName: string; snapshotId: string }
  /** The snapshot flattened into one standalone QED file (base and lower snapshots merged). */
  | { kind: 'flatten'; diskName: string; snapshotId: string; allowedOrigins?: string[] }
  /** Makes disk `diskName` from exported levels (top first) on `base`, its overlay on the top level. */
  | { kind: 'import'; diskName: string; levels: VmLevelFile[]; base: VmBaseRef | null; token: string; allowedOrigins: string[] };

/** The answer to each kind of `VmWorkerRequest`. */
export interface VmWorkerReplies {
  snapshot: SnapshotFile;
  verify: true;
  restore: true;
  chain: VmChainFiles;
  flatten: File;
  import: VmImportResult;
}

/** The answer to any `VmWorkerRequest` (the page narrows it by the kind it asked). */
export type VmWorkerReply = VmWorkerReplies[keyof VmWorkerReplies];
