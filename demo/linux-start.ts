/**
 * Starting the Linux guest, fast when possible. The guest's init stops at a snapshot point (all
 * modules loaded, `/dev/sda` found, nothing read from it by the init yet), prints
 * `QEDISK-SNAPSHOT-POINT` and waits for a start line (see `scripts/guest-init.sh`).
 * - Cold boot: at the snapshot point the page saves the VM without a disk snapshot (`saveVm`
 *   with `disk: 'none'`: the guest has not read the disk yet), sends `cold SEED`, and keeps the
 *   save under the guest's state key (files, v86 build, machine, disk size).
 * - Later starts with a disk of that size read that save's state (`readVmState`) as v86's
 *   `initial_state` with this disk as `hda`, and send `restored SEED`; the init drops the
 *   kernel's block caches and reads the partition table again before it looks at the disk. If
 *   the guest does not acknowledge the start line in time, the save is deleted and the guest
 *   boots cold instead (the disk has not been touched by then).
 * - A start from a VM save of the page (`restoreSave`): the disk goes back to the save's snapshot
 *   and the guest resumes where it was saved (`restoreVm`).
 */
import type { V86, V86Options } from 'v86';
import { type V86Disk, VmSaveFormatError, VmSaveMismatchError, VmSaveNotFoundError, readVmState, restoreVm, saveVm } from 'qedisk';
import { type GuestMachine, type GuestStateKey, guestStateKey } from './guest-state-key.ts';
import { deleteFastStart, fastStartName, pruneFastStarts } from './saved-state-store.ts';
import { epochSeconds } from './guest-sync.ts';
import { SerialLines } from './serial-lines.ts';

/** The guest's line at the snapshot point. */
export const SNAPSHOT_POINT_LINE = 'QEDISK-SNAPSHOT-POINT';
/** How long a restored guest may take to acknowledge its start line, in milliseconds. */
const RESTORE_ACK_TIMEOUT_MS = 30_000;
/** Quiet time without disk requests before the state is saved, in milliseconds. */
const QUIET_BEFORE_SAVE_MS = 200;
/** Longest wait for that quiet, in milliseconds (the state is saved anyway after it). */
const QUIET_WAIT_LIMIT_MS = 5_000;

/** How the guest started: booted, from the fast-start state, or from a VM save of the page. */
export type StartedFrom = 'cold' | 'saved-state' | 'vm-save';

/** What `startLinux` needs from the VM runner. */
export interface LinuxStartContext {
  /** Makes and starts an emulator with the runner's options plus `extra`, its serial wired to `lines`. */
  launch(extra: Partial<V86Options>): V86;
  /** Resolves once `emulator` (made by `launch`) has loaded its BIOS, wasm and files. */
  whenLoaded(emulator: V86): Promise<void>;
  /** The kernel and initrd options of a cold boot. */
  bootFiles(): Promise<Partial<V86Options>>;
  /** The guest's serial output, line by line. */
  lines: SerialLines;
  /** The disk adapter given to v86 as `hda`. */
  disk: V86Disk;
  /** The machine, for the state key. */
  machine: Omit<GuestMachine, 'diskBytes'>;
  /** Boot cold even when a saved state exists (a new state is saved at the snapshot point). */
  coldBoot: boolean;
  /** Start from this VM save instead (its disk must be `disk`'s), or null. */
  restoreSave?: string | null;
  /** Aborted when the VM is stopped. */
  signal: AbortSignal;
  /** Short reports for the page (saved, restored, fell back). */
  note(text: string): void;
}

/** A started Linux guest. */
export interface LinuxStart {
  /** The emulator that runs. */
  emulator: V86;
  /** Whether it booted cold or from a saved state. */
  startedFrom: StartedFrom;
}

/** Starts the guest from the saved state when there is one (and `coldBoot` is false), else cold. */
export async function startLinux(context: LinuxStartContext): Promise<LinuxStart> {
  if (context.restoreSave) return { emulator: await fromVmSave(context, context.restoreSave), startedFrom: 'vm-save' };
  const key = await guestStateKey({ ...context.machine, diskBytes: context.disk.byteLength }).catch((error: unknown) => {
    context.note(`fast starts are off: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  });
  if (key === null) return { emulator: await bootCold(context, null), startedFrom: 'cold' };
  if (!context.coldBoot) {
    const state = await loadFastStart(context, key);
    if (state) {
      const restored = await restore(context, key, state);
      if (restored) return { emulator: restored, startedFrom: 'saved-state' };
    }
  }
  return { emulator: await bootCold(context, key), startedFrom: 'cold' };
}

/** Resumes VM save `name` on a new emulator (the disk goes back to the save's snapshot). */
async function fromVmSave(context: LinuxStartContext, name: string): Promise<V86> {
  const started = performance.now();
  const emulator = context.launch({ autostart: false });
  await context.whenLoaded(emulator);
  try {
    const info = await restoreVm(emulator, context.disk, name);
    context.note(`resumed VM save ${name} (${(info.stateBytes / 1e6).toFixed(1)} MB state) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return emulator;
  } catch (error) {
    await emulator.destroy().catch(() => undefined);
    throw error;
  }
}

/** The fast-start state of `key`, or null (none, or a damaged one, which is deleted). */
async function loadFastStart(context: LinuxStartContext, key: GuestStateKey): Promise<ArrayBuffer | null> {
  try {
    return (await readVmState(fastStartName(key))).state;
  } catch (error) {
    if (error instanceof VmSaveNotFoundError) return null;
    if (error instanceof VmSaveFormatError || error instanceof VmSaveMismatchError) {
      await deleteFastStart(key);
      context.note('the saved state was damaged; it was deleted, booting cold');
    } else {
      context.note(`could not read the saved state: ${String(error)}`);
    }
    return null;
  }
}

/** Restores `state`; resolves null (state deleted, emulator destroyed) when the guest does not answer. */
async function restore(context: LinuxStartContext, key: GuestStateKey, state: ArrayBuffer): Promise<V86 | null> {
  const started = performance.now();
  const emulator = context.launch({ initial_state: { buffer: state } });
  const loaded = context.whenLoaded(emulator);
  const ack = context.lines.waitFor((line) => line.startsWith('QEDISK-START:'), RESTORE_ACK_TIMEOUT_MS, context.signal);
  const sent = loaded.then(() => emulator.serial0_send(`restored ${randomSeed()} ${epochSeconds()}\n`));
  const answer = await ack;
  if (answer !== null) {
    await sent;
    context.note(`started from the saved state (${(state.byteLength / 1e6).toFixed(1)} MB) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return emulator;
  }
  await emulator.stop().catch(() => undefined);
  await emulator.destroy().catch(() => undefined);
  await context.disk.settled();
  if (context.signal.aborted) throw new DOMException('the VM was stopped', 'AbortError');
  await deleteFastStart(key);
  context.note('the saved state did not start; it was deleted, booting cold');
  return null;
}

/**
 * Boots cold; at the snapshot point saves the state (unless `key` is null), lets the guest go on,
 * and stores the state.
 */
async function bootCold(context: LinuxStartContext, key: GuestStateKey | null): Promise<V86> {
  const emulator = context.launch(await context.bootFiles());
  const unsubscribe = context.lines.onLine((line) => {
    if (line !== SNAPSHOT_POINT_LINE) return;
    unsubscribe();
    void saveAndContinue(context, key, emulator);
  });
  context.signal.addEventListener('abort', unsubscribe);
  return emulator;
}

async function saveAndContinue(context: LinuxStartContext, key: GuestStateKey | null, emulator: V86): Promise<void> {
  let saved: { stateBytes: number; storedBytes: number } | null = null;
  try {
    if (key === null) return;
    await diskQuiet(context.disk);
    // Paused from the save to its return: the start line goes out once the state is taken.
    if (!context.signal.aborted) saved = await saveVm(emulator, context.disk, { name: fastStartName(key), disk: 'none' });
  } catch (error) {
    context.note(`could not save the guest state: ${String(error)}`);
  } finally {
    if (!context.signal.aborted) emulator.serial0_send(`cold ${randomSeed()} ${epochSeconds()}\n`);
  }
  if (!saved || !key || context.signal.aborted) return;
  context.note(`saved the guest state for fast starts (${(saved.stateBytes / 1e6).toFixed(1)} MB, ${(saved.storedBytes / 1e6).toFixed(1)} MB stored)`);
  await pruneFastStarts(key).catch(() => undefined);
}

/** Resolves once no disk request is in flight and none started for `QUIET_BEFORE_SAVE_MS`. */
async function diskQuiet(disk: V86Disk): Promise<void> {
  const deadline = performance.now() + QUIET_WAIT_LIMIT_MS;
  while (performance.now() < deadline) {
    await disk.settled();
    const before = disk.stats();
    await new Promise((resolve) => setTimeout(resolve, QUIET_BEFORE_SAVE_MS));
    const after = disk.stats();
    if (after.inFlight === 0 && after.reads === before.reads && after.writes === before.writes) return;
  }
}

/** 128 random bits in hex, mixed into the guest's random pool. */
function randomSeed(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
