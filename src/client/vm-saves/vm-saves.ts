/**
 * VM save points for v86 on a qedisk disk: `saveVm`, `listVmSaves`, `restoreVm`, `deleteVmSave`.
 *
 * Why the state and the disk match: `saveVm` pauses the guest, waits until no disk request is in
 * flight (their completions reach v86's IDE state while it is paused) and flushes; no guest
 * instruction runs from then until `save_state`. The snapshot is taken in that window, in the
 * disk's own request queue, so it holds exactly the writes the guest saw complete. The adapter
 * writes the snapshot's identity (disk, id, and a random token also written into the snapshot
 * file) into the state instead of disk bytes. `restoreVm` checks that the snapshot still exists
 * with that token and points the disk's overlay at it in one step of the disk's queue, then hands
 * v86 the state; the adapter's `set_state` refuses a bound state unless the disk holds exactly
 * that snapshot at that moment (no guest write since it was restored or taken).
 */
import { QedArgumentError } from '../../qed/errors.ts';
import { type AdapterSavePoint, type VmDiskIdentity, VmSaveFormatError, VmSaveMismatchError, decodeAdapterState, newVmToken, sameSnapshotContents, validateVmSaveName } from '../../protocol/vm-saves.ts';
import { prepareTscForRestore } from '../../v86/tsc-offset.ts';
import type { V86Disk } from '../../v86/v86-disk.ts';
import { getRecord, putRecord, snapshotRecords } from '../catalogue.ts';
import { deleteSnapshot } from '../snapshot-manager.ts';
import { WorkerDisk } from '../worker-disk.ts';
import { adapterEntriesOf, gunzipState, gzipState } from './state-codec.ts';
import { type VmFileManifest, type VmFilePoint, validateManifest } from './vm-file-format.ts';
import { openVmFile, removeVmSaveFile, storedVmSaves, vmSaveFile, writeVmSave } from './vm-save-store.ts';
import type { RestoreVmOptions, SaveVmOptions, VmEmulator, VmSaveInfo, VmSaveResult } from './vm-types.ts';
import { callVmWorker } from './vm-worker.ts';

/** Most rounds of waiting for the adapter's requests to finish once the guest is paused. */
const MAX_SETTLE_ROUNDS = 1000;

/**
 * Saves the running (or paused) VM as save `options.name`: the guest is paused, its disk requests
 * finish, the disk is flushed and frozen in an O(1) snapshot, the v86 state is taken, and the
 * guest runs again (if it ran); then the state is gzipped into OPFS. A save of that name is
 * replaced (its snapshot is deleted unless later snapshots sit on it). Rejects with
 * `QedArgumentError` (bad name, a disk not opened with `openDisk`), `DiskBusyError`, ...
 */
export async function saveVm(emulator: VmEmulator, disk: V86Disk, options: SaveVmOptions): Promise<VmSaveResult> {
  const name = validateVmSaveName(options.name);
  const mode = options.disk ?? 'snapshot';
  if (mode !== 'snapshot' && mode !== 'none') throw new QedArgumentError("SaveVmOptions.disk must be 'snapshot' or 'none'");
  if (mode === 'snapshot' && !(disk.disk instanceof WorkerDisk)) throw new QedArgumentError('a VM save with a disk snapshot needs a disk opened with openDisk');
  const createdAt = Date.now();
  const started = performance.now();
  const wasRunning = emulator.is_running();
  let point: VmFilePoint;
  let state: ArrayBuffer;
  try {
    await pauseAndSettle(emulator, disk);
    await disk.flush();
    if (mode === 'snapshot') {
      const identity: VmDiskIdentity = { diskName: disk.disk.name, snapshotId: '', token: newVmToken() };
      identity.snapshotId = (await callVmWorker({ kind: 'snapshot', diskName: identity.diskName, token: identity.token })).id;
      disk.setSavePoint(identity);
      point = { kind: 'bound', ...identity, diskBytes: disk.byteLength };
    } else {
      disk.setSavePoint(null);
      point = { kind: 'unbound', diskBytes: disk.byteLength };
    }
    state = await emulator.save_state();
  } finally {
    if (wasRunning) await emulator.run();
  }
  const pausedMs = performance.now() - started;
  const previous = await readManifest(name).catch(() => null);
  const packed = await gzipState(state);
  const manifest = validateManifest({ format: 'qedisk-vm', version: 1, name, createdAt, stateBytes: state.byteLength, point, meta: options.meta ?? {}, parts: [{ role: 'state', bytes: packed.size, encoding: 'gzip' }], disk: 'none', base: null });
  const storedBytes = await writeVmSave(manifest, [packed]);
  if (point.kind === 'bound') await labelSnapshot(point.diskName, point.snapshotId, name, createdAt);
  if (previous?.point.kind === 'bound' && !(point.kind === 'bound' && previous.point.snapshotId === point.snapshotId)) await dropSnapshot(previous.point);
  return { ...infoOf(manifest, storedBytes), pausedMs, totalMs: performance.now() - started };
}

/** The VM saves of this origin, by name (damaged save files are left out; `deleteVmSave` removes them). */
export async function listVmSaves(): Promise<VmSaveInfo[]> {
  const saves: VmSaveInfo[] = [];
  for (const { file } of await storedVmSaves()) {
    const opened = await openVmFile(file).catch(() => null);
    if (opened) saves.push(infoOf(opened.manifest, opened.fileBytes));
  }
  return saves;
}

/**
 * Puts the VM back to save `name`: pauses `emulator`, puts `disk` back to the save's snapshot
 * (its changes since are dropped; later snapshots stay), restores the v86 state and lets the
 * guest run (unless `options.run` is false). The emulator must be made with the machine options
 * the save was taken with and have loaded (v86's `emulator-loaded`). Rejects with
 * `VmSaveNotFoundError`, `VmSaveFormatError` (a damaged save), `VmSaveMismatchError` (another
 * disk or size, or the snapshot is gone or was replaced); in those cases the emulator keeps
 * running (if it ran) and the disk is left as it was.
 */
export async function restoreVm(emulator: VmEmulator, disk: V86Disk, name: string, options: RestoreVmOptions = {}): Promise<VmSaveInfo> {
  const opened = await openVmFile(await vmSaveFile(validateVmSaveName(name)));
  const { manifest } = opened;
  const point = manifest.point;
  if (point.diskBytes !== disk.byteLength) throw new VmSaveMismatchError(`VM save "${name}" was taken with a disk of ${point.diskBytes} bytes; this disk has ${disk.byteLength}`);
  if (point.kind === 'bound' && point.diskName !== disk.disk.name) throw new VmSaveMismatchError(`VM save "${name}" belongs to disk "${point.diskName}", not "${disk.disk.name}"`);
  const state = await gunzipState(opened.state, manifest.stateBytes);
  checkStateMatches(state, point, name);
  if (point.kind === 'bound') await callVmWorker({ kind: 'verify', diskName: point.diskName, snapshotId: point.snapshotId, token: point.token });
  const wasRunning = emulator.is_running();
  await pauseAndSettle(emulator, disk);
  if (point.kind === 'bound') {
    const { diskName, snapshotId, token } = point;
    try {
      await callVmWorker({ kind: 'restore', diskName, snapshotId, token }); // checks the tag again, in the disk's queue
    } catch (error) {
      if (wasRunning) await emulator.run(); // the disk is as it was
      throw error;
    }
    await disk.reloadSectorZero();
    disk.setSavePoint({ diskName, snapshotId, token });
  }
  prepareTscForRestore(emulator); // v86 would restore the guest's TSC shifted (see tsc-offset.ts)
  await emulator.restore_state(state);
  if (options.run ?? true) await emulator.run();
  return infoOf(manifest, opened.fileBytes);
}

/**
 * Deletes save `name` (a damaged one too) and its disk snapshot, unless later snapshots or the
 * disk's overlay sit on it (then the snapshot stays, and goes with the disk). Resolves whether
 * the snapshot was deleted. Rejects with `VmSaveNotFoundError` when there is no such save.
 */
export async function deleteVmSave(name: string): Promise<{ snapshotDeleted: boolean }> {
  const manifest = await readManifest(name).catch((error: unknown) => {
    if (error instanceof VmSaveFormatError) return null;
    throw error;
  });
  await removeVmSaveFile(name);
  return { snapshotDeleted: manifest?.point.kind === 'bound' ? await dropSnapshot(manifest.point) : false };
}

/** Reads the state of save `name` and checks it (for a caller that starts v86 with `initial_state` itself). */
export async function readVmState(name: string): Promise<{ info: VmSaveInfo; state: ArrayBuffer }> {
  const opened = await openVmFile(await vmSaveFile(validateVmSaveName(name)));
  const state = await gunzipState(opened.state, opened.manifest.stateBytes);
  checkStateMatches(state, opened.manifest.point, name);
  return { info: infoOf(opened.manifest, opened.fileBytes), state };
}

/** Pauses the guest and waits until the adapter has no request in flight (their callbacks may start more). */
export async function pauseAndSettle(emulator: VmEmulator, disk: V86Disk): Promise<void> {
  await emulator.stop();
  for (let round = 0; round < MAX_SETTLE_ROUNDS; round++) {
    await disk.settled();
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (disk.stats().inFlight === 0) return;
  }
  throw new QedArgumentError('the guest kept issuing disk requests while paused');
}

/** The manifest of save `name`. */
async function readManifest(name: string): Promise<VmFileManifest> {
  return (await openVmFile(await vmSaveFile(name))).manifest;
}

/**
 * `VmSaveFormatError` unless `state` carries exactly one adapter entry, the one `point` describes
 * (the same kind, size and token; an imported save keeps the disk name and snapshot id it was
 * taken with in its state, while its manifest names where the copy lives now).
 */
function checkStateMatches(state: ArrayBuffer, point: VmFilePoint, name: string): void {
  const entries = adapterEntriesOf(state);
  const [entry] = entries;
  if (entries.length !== 1 || entry === undefined) throw new VmSaveFormatError(`the state of VM save "${name}" holds ${entries.length} qedisk disks, not one`);
  const inState: AdapterSavePoint | null = decodeAdapterState(entry);
  const agrees =
    inState !== null &&
    inState.byteLength === point.diskBytes &&
    inState.kind === point.kind &&
    (inState.kind === 'unbound' || (point.kind === 'bound' && sameSnapshotContents(inState.identity, point)));
  if (!agrees) throw new VmSaveFormatError(`the state of VM save "${name}" was taken with another disk than its manifest names`);
}

/** Deletes the snapshot of a bound save point when nothing sits on it; resolves whether it did. */
async function dropSnapshot(point: Extract<VmFilePoint, { kind: 'bound' }>): Promise<boolean> {
  try {
    await deleteSnapshot(point.diskName, point.snapshotId);
    return true;
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name === 'DiskInUseError' || name === 'SnapshotNotFoundError' || name === 'DiskNotFoundError' || name === 'DiskBusyError') return false;
    throw error;
  }
}

/** Notes snapshot `snapshotId` of disk `diskName` in the catalogue as the snapshot of VM save `name`. */
export async function labelSnapshot(diskName: string, snapshotId: string, name: string, createdAt: number): Promise<void> {
  const record = await getRecord(diskName);
  if (!record) return;
  const notes = snapshotRecords(record).filter((note) => note.id !== snapshotId);
  await putRecord({ ...record, snapshots: [...notes, { id: snapshotId, label: `VM save ${name}`, createdAt }] });
}

/** The listing of a save from its manifest and file size. */
export function infoOf(manifest: VmFileManifest, storedBytes: number): VmSaveInfo {
  const point = manifest.point;
  return {
    name: manifest.name,
    createdAt: manifest.createdAt,
    kind: point.kind,
    diskName: point.kind === 'bound' ? point.diskName : null,
    snapshotId: point.kind === 'bound' ? point.snapshotId : null,
    diskBytes: point.diskBytes,
    stateBytes: manifest.stateBytes,
    storedBytes,
    meta: { ...manifest.meta },
  };
}
