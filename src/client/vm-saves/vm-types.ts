/**
 * The public types of VM saves: the emulator they work with (the part of v86's `V86` they call),
 * what a save looks like when listed, and the options of the calls.
 */
import type { VmMeta } from './vm-file-format.ts';

export type { VmMeta } from './vm-file-format.ts';

/**
 * The emulator calls VM saves make: v86's `V86` has them all (stop/run/is_running/save_state/
 * restore_state). `restore_state` is only called on an emulator that has loaded (after v86's
 * `emulator-loaded` event) and was made with the machine options the state was saved with.
 */
export interface VmEmulator {
  /** Pauses the guest; resolves once it stopped. */
  stop(): Promise<void> | void;
  /** Lets the guest run again. */
  run(): Promise<void> | void;
  /** True while the guest runs. */
  is_running(): boolean;
  /** The whole machine state (v86's format). */
  save_state(): Promise<ArrayBuffer>;
  /** Replaces the machine state by `state`. */
  restore_state(state: ArrayBuffer): Promise<void> | void;
}

/** A VM save as `listVmSaves` reports it. Sizes in bytes, times in milliseconds since the epoch. */
export interface VmSaveInfo {
  /** The save's name. */
  name: string;
  /** When it was taken. */
  createdAt: number;
  /** `bound` to a disk snapshot, or `unbound` (fits any disk of `diskBytes`; see `SaveVmOptions.disk`). */
  kind: 'bound' | 'unbound';
  /** The disk the snapshot belongs to, or null for an unbound save. */
  diskName: string | null;
  /** The disk snapshot's id, or null for an unbound save. */
  snapshotId: string | null;
  /** Virtual size of the disk. */
  diskBytes: number;
  /** Length of the v86 state (uncompressed): guest memory and devices, never disk bytes. */
  stateBytes: number;
  /** Size of the save's file in OPFS (the gzipped state and a small manifest). */
  storedBytes: number;
  /** The application's data given to `saveVm`. */
  meta: VmMeta;
}

/** What `saveVm` reports besides the save. */
export interface VmSaveResult extends VmSaveInfo {
  /** Milliseconds the guest was paused (stop, settle, flush, snapshot, `save_state`). */
  pausedMs: number;
  /** Milliseconds for the whole call (compression and storage included). */
  totalMs: number;
}

/** Options of `saveVm`. */
export interface SaveVmOptions {
  /** The save's name: 1-100 characters of `[A-Za-z0-9._-]`. A save of that name is replaced. */
  name: string;
  /**
   * `snapshot` (default): the disk is frozen in an O(1) snapshot at the same instant as the
   * state, and the state is bound to it. `none`: no snapshot, the state fits any disk of the same
   * size (only for a guest that has not read the disk yet, or that drops what it read when it
   * resumes, as the demo's fast start does).
   */
  disk?: 'snapshot' | 'none';
  /** Application data kept with the save (flat JSON values, at most 16 KiB), e.g. the machine's options. */
  meta?: VmMeta;
}

/** Options of `restoreVm`. */
export interface RestoreVmOptions {
  /** Let the guest run once restored (default true). */
  run?: boolean;
}
