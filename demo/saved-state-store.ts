/**
 * The demo's fast-start states are VM saves (`saveVm` with `disk: 'none'`): the guest's init
 * stops before it reads the disk, so the state fits any disk of the same size. Each is named
 * `fast-start-<config>-<disk bytes>` after its `GuestStateKey` and kept, gzipped, in the VM
 * saves' OPFS folder. Storing one removes the fast starts of every other config (they no longer
 * match the guest files) and all but the newest few of its own.
 */
import { deleteVmSave, listVmSaves, type VmSaveInfo } from 'qedisk';
import type { GuestStateKey } from './guest-state-key.ts';

/** Prefix of the fast-start saves' names. */
export const FAST_START_PREFIX = 'fast-start-';
/** Fast starts kept per config (one per disk size); storing another removes the least recently stored. */
const MAX_STATES_PER_CONFIG = 3;

/** The VM save name of the fast start for `key`. */
export function fastStartName(key: GuestStateKey): string {
  return `${FAST_START_PREFIX}${key.config}-${key.diskBytes}`;
}

/** True when `save` is one of the demo's fast-start states. */
export function isFastStart(save: Pick<VmSaveInfo, 'name'>): boolean {
  return save.name.startsWith(FAST_START_PREFIX);
}

/** The OPFS folder where earlier versions of the demo kept their states (removed on the next store). */
const LEGACY_FOLDER_NAME = 'qedisk-v86-states';

/**
 * Removes the fast starts of other configs and all but the newest few of `key`'s config, and
 * the folder of states earlier versions of the demo kept.
 */
export async function pruneFastStarts(key: GuestStateKey): Promise<void> {
  await (await navigator.storage.getDirectory()).removeEntry(LEGACY_FOLDER_NAME, { recursive: true }).catch(() => undefined);
  const saves = (await listVmSaves()).filter(isFastStart);
  const ours = saves.filter((save) => save.name.startsWith(`${FAST_START_PREFIX}${key.config}-`)).sort((a, b) => b.createdAt - a.createdAt);
  const keep = new Set([...new Set([fastStartName(key), ...ours.map((save) => save.name)])].slice(0, MAX_STATES_PER_CONFIG));
  for (const save of saves) if (!keep.has(save.name)) await deleteVmSave(save.name).catch(() => undefined);
}

/** Removes the fast start of `key`; resolves false when there was none. */
export async function deleteFastStart(key: GuestStateKey): Promise<boolean> {
  return deleteVmSave(fastStartName(key)).then(
    () => true,
    () => false,
  );
}
