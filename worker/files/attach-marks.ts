/**
 * Which open disks a VM uses: `toV86Disk` marks its disk attached (through `setAttached`) and
 * `detach()` unmarks it. The mark lives on the worker's session object, so closing the disk (or
 * the page dying, which ends its worker) clears it, as it releases the disk's lock. Writes to the
 * file system of an attached disk are refused: the guest has it mounted.
 */

/** Attach counts by session (a disk may be attached to more than one adapter at once). */
const counts = new WeakMap<object, number>();

/** Adds (`attached` true) or removes one attachment of `session`; never below zero. */
export function setAttached(session: object, attached: boolean): void {
  const count = counts.get(session) ?? 0;
  const next = attached ? count + 1 : Math.max(0, count - 1);
  if (next === 0) counts.delete(session);
  else counts.set(session, next);
}

/** True while a VM is attached to `session`. */
export function isAttached(session: object): boolean {
  return (counts.get(session) ?? 0) > 0;
}
