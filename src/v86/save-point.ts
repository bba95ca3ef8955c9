/**
 * What the v86 adapter knows about the disk under it for VM save points: whether the disk holds
 * exactly the contents of one tagged snapshot (set by `saveVm` and `restoreVm` right after the
 * snapshot was taken or restored, and forgotten at the first guest write), what it therefore
 * writes into a v86 state (`get_state`: the snapshot's identity, never disk bytes), and which
 * states it lets v86 restore (`set_state`).
 */
import { type VmDiskIdentity, VmSaveMismatchError, decodeAdapterState, encodeAdapterState, sameSnapshotContents } from '../protocol/vm-saves.ts';

/** The save point of one adapter. */
export class SavePointTracker {
  #identity: VmDiskIdentity | null = null;

  /** The snapshot the disk holds exactly now, or null when unknown or written since. */
  get identity(): VmDiskIdentity | null {
    return this.#identity;
  }

  /** The disk now holds exactly snapshot `identity` (null: forget). */
  set(identity: VmDiskIdentity | null): void {
    this.#identity = identity === null ? null : { ...identity };
  }

  /** A guest write was issued: the disk no longer matches a snapshot. */
  written(): void {
    this.#identity = null;
  }

  /** The adapter's entry of a v86 state for a disk of `byteLength` bytes. */
  state(byteLength: number): unknown[] {
    return encodeAdapterState(this.#identity ? { kind: 'bound', byteLength, identity: this.#identity } : { kind: 'unbound', byteLength });
  }

  /**
   * Accepts the adapter's entry of a v86 state being restored over a disk of `byteLength` bytes,
   * or throws `VmSaveMismatchError`: a state of another disk size, or a state bound to a snapshot
   * whose contents (named by its token, which a copy made by `importVm` keeps) the disk does not
   * hold exactly now (restore VM saves with `restoreVm`, which puts the disk
   * back first). Entries written before save points existed (`[]`) and unbound ones fit any disk
   * of the right size. Throws `VmSaveFormatError` for a damaged entry.
   */
  accept(state: unknown, byteLength: number): void {
    const point = decodeAdapterState(state);
    if (point === null) return;
    if (point.byteLength !== byteLength) {
      throw new VmSaveMismatchError(`this v86 state was saved with a disk of ${point.byteLength} bytes; this disk has ${byteLength}`);
    }
    if (point.kind === 'unbound') return;
    const { diskName, snapshotId } = point.identity;
    if (this.#identity === null || !sameSnapshotContents(this.#identity, point.identity)) {
      throw new VmSaveMismatchError(`this v86 state belongs to snapshot ${snapshotId} of disk "${diskName}", which the disk does not hold now: restore it with restoreVm`);
    }
  }
}
