/**
 * The worker side of VM save points (`DiskWorkerApi.vmSaves`): a snapshot that carries a save's
 * token, checking and restoring it in one step of the disk's queue, and the files of an export or
 * an import. Requests arrive from the page as plain data and are checked here.
 */
import { isUrlBackingName, snapshotFileName } from '../../src/protocol/base-names.ts';
import { diskFileName, validateDiskName } from '../../src/protocol/disk-name.ts';
import { SnapshotNotFoundError } from '../../src/protocol/errors.ts';
import {
  type VmBaseRef,
  type VmLevelFile,
  type VmWorkerReply,
  type VmWorkerRequest,
  VmSaveMismatchError,
  isSnapshotIdText,
  isVmToken,
} from '../../src/protocol/vm-saves.ts';
import type { SnapshotFile } from '../../src/protocol/worker-api.ts';
import { QedArgumentError } from '../../src/qed/errors.ts';
import { acquireDiskLock } from '../disk-lock.ts';
import { diskFolder, findFile } from '../opfs-folder.ts';
import { restoreOverlay, takeSnapshot } from '../snapshot-ops.ts';
import { importChain } from './chain-import.ts';
import { chainFiles, flattenSnapshot, snapshotHandle } from './chain-export.ts';
import { readSnapshotTag, writeSnapshotTag } from './snapshot-files.ts';
import { tagFits } from './snapshot-tag.ts';
import { HEADER_STRUCT_SIZE_BYTES } from '../../src/qed/constants.ts';
import { decodeHeader } from '../../src/qed/header.ts';

/** Most levels an import may bring. */
const MAX_IMPORT_LEVELS = 64;

/** What the disk service lends the VM save requests. */
export interface VmRequestContext {
  /**
   * Runs `change` on the files of disk `name`: between its requests (file closed, reopened after)
   * when it is open in this worker, else under its lock. `DiskNotFoundError` for a missing disk.
   */
  alter<T>(name: string, change: (folder: FileSystemDirectoryHandle) => Promise<T>): Promise<T>;
}

/** Serves one request; rejects with typed errors (`VmSaveMismatchError`, `SnapshotNotFoundError`, ...). */
export async function serveVmRequest(request: VmWorkerRequest, context: VmRequestContext): Promise<VmWorkerReply> {
  if (typeof request !== 'object' || request === null) throw new QedArgumentError('a VM save request must be an object');
  const diskName = validateDiskName(request.diskName);
  switch (request.kind) {
    case 'snapshot':
      return context.alter(diskName, (folder) => taggedSnapshot(folder, diskName, checkedToken(request.token)));
    case 'verify':
      await verifyTag(await diskFolder(), diskName, checkedId(request.snapshotId), checkedToken(request.token));
      return true;
    case 'restore': {
      const snapshotId = checkedId(request.snapshotId);
      const token = checkedToken(request.token);
      return context.alter(diskName, async (folder) => {
        await verifyTag(folder, diskName, snapshotId, token);
        await restoreOverlay(folder, diskName, snapshotId);
        return true as const;
      });
    }
    case 'chain':
      return chainFiles(await diskFolder(), diskName, checkedId(request.snapshotId));
    case 'flatten':
      return flattenSnapshot(await diskFolder(), diskName, checkedId(request.snapshotId), checkedOrigins(request.allowedOrigins));
    case 'import':
      return importUnderLock(diskName, request);
    default:
      throw new QedArgumentError(`unknown VM save request ${JSON.stringify(Reflect.get(request, 'kind'))}`);
  }
}

/** Freezes disk `name`'s overlay as a snapshot and writes `token` into it (checked to fit first). */
async function taggedSnapshot(folder: FileSystemDirectoryHandle, name: string, token: string): Promise<SnapshotFile> {
  const top = await findFile(folder, diskFileName(name));
  if (top) {
    const header = decodeHeader(new Uint8Array(await (await top.getFile()).slice(0, HEADER_STRUCT_SIZE_BYTES).arrayBuffer()));
    const newName = snapshotFileName(name, '0'.repeat(16)); // the longest backing name the new overlay gets
    if (!tagFits(header) || !tagFits({ ...header, backingFilenameOffset: HEADER_STRUCT_SIZE_BYTES }, new TextEncoder().encode(newName).byteLength)) {
      throw new QedArgumentError(`disk "${name}" has no room for a VM save tag in its QED header area`);
    }
  }
  const snapshot = await takeSnapshot(folder, name);
  await writeSnapshotTag(await snapshotHandle(folder, name, snapshot.id), token);
  return snapshot;
}

/** `VmSaveMismatchError` unless snapshot `id` of disk `name` exists and carries `token`. */
async function verifyTag(folder: FileSystemDirectoryHandle, name: string, id: string, token: string): Promise<void> {
  let handle: FileSystemFileHandle;
  try {
    handle = await snapshotHandle(folder, name, id);
  } catch (error) {
    if (error instanceof SnapshotNotFoundError) throw new VmSaveMismatchError(`the snapshot of this VM save (disk "${name}", snapshot ${id}) is gone`);
    throw error;
  }
  const carried = await readSnapshotTag(handle);
  if (carried !== token) {
    throw new VmSaveMismatchError(`snapshot ${id} of disk "${name}" is not the one this VM save was taken with (${carried === null ? 'it carries no VM save tag' : 'another save point'})`);
  }
}

/** Checks an import request and runs it under the new disk's lock. */
async function importUnderLock(diskName: string, request: Extract<VmWorkerRequest, { kind: 'import' }>): Promise<VmWorkerReply> {
  const levels = checkedLevels(request.levels);
  const base = checkedBase(request.base);
  const token = checkedToken(request.token);
  const allowedOrigins = checkedOrigins(request.allowedOrigins);
  const lock = await acquireDiskLock(diskName);
  try {
    return await importChain(await diskFolder(), { diskName, levels, base, token, allowedOrigins });
  } finally {
    lock.release();
  }
}

function checkedToken(token: unknown): string {
  if (!isVmToken(token)) throw new QedArgumentError('a VM save token is 32 lowercase hex digits');
  return token;
}

function checkedId(id: unknown): string {
  if (!isSnapshotIdText(id)) throw new QedArgumentError(`snapshot id ${JSON.stringify(id)} must be 1 to 16 digits`);
  return id;
}

function checkedOrigins(origins: unknown): string[] {
  if (origins === undefined) return [];
  if (!Array.isArray(origins) || !origins.every((origin) => typeof origin === 'string')) throw new QedArgumentError('allowedOrigins must be an array of strings');
  return [...origins];
}

function checkedLevels(levels: unknown): VmLevelFile[] {
  if (!Array.isArray(levels) || levels.length === 0 || levels.length > MAX_IMPORT_LEVELS) {
    throw new QedArgumentError(`a VM import brings 1 to ${MAX_IMPORT_LEVELS} disk levels`);
  }
  const seen = new Set<string>();
  return levels.map((level: unknown) => {
    const id: unknown = typeof level === 'object' && level !== null ? Reflect.get(level, 'id') : undefined;
    const file: unknown = typeof level === 'object' && level !== null ? Reflect.get(level, 'file') : undefined;
    if (!isSnapshotIdText(id) || !(file instanceof Blob) || seen.has(id)) throw new QedArgumentError('each disk level needs a unique snapshot id and a Blob');
    seen.add(id);
    return { id, file };
  });
}

function checkedBase(base: unknown): VmBaseRef | null {
  if (base === null || base === undefined) return null;
  const url: unknown = typeof base === 'object' ? Reflect.get(base, 'url') : undefined;
  const format: unknown = typeof base === 'object' ? Reflect.get(base, 'format') : undefined;
  if (typeof url !== 'string' || !isUrlBackingName(url) || (format !== 'raw' && format !== 'probe')) {
    throw new QedArgumentError("a VM base must be { url, format: 'raw' | 'probe' }");
  }
  return { url, format };
}
