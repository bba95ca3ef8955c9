/**
 * A fix for v86's time stamp counter across `restore_state`.
 *
 * v86 keeps the guest's TSC as its clock (`performance.now()`) times a rate, minus an offset, and
 * its `set_tsc`, which `restore_state` calls with the saved TSC, derives the new offset from the
 * TSC as the old offset shifts it. So the TSC a restore gives depends on the emulator's history
 * and on the page's clock, not only on the state. One case hurts: a state resumed on a new
 * emulator after a page reload (the page's clock starts again from zero) and then resumed again
 * in place comes back with its TSC behind the saved one by about the time the state was saved at.
 * Linux's clock then stands still until the TSC has caught up, and the guest runs no command for
 * that long: in Chromium, 84 s for a state saved 117 s into the first page's life, resumed in place
 * 46 s into the next page's (issue 15); in Node, a state saved 3 s in comes back 3 s behind
 * (test/unit/v86-tsc.test.ts, which reloads v86's clock to show it).
 *
 * Setting the TSC to its own current value right before `restore_state` (`set_tsc(read TSC)`)
 * leaves the offset where the restore computes the saved TSC exactly: measured within 1 ms in both
 * cases. Under a corrected `set_tsc` the same call changes nothing, so the fix is harmless there.
 */

/** The members of v86's internal CPU object the fix uses (`emulator.v86.cpu`). */
interface TscControls {
  /** Writes the current TSC into `current_tsc`. */
  store_current_tsc(): void;
  /** The TSC stored by `store_current_tsc`, as low and high 32-bit words. */
  current_tsc: ArrayLike<number>;
  /** Sets the TSC to `high * 2^32 + low` (with the defect above). */
  set_tsc(low: number, high: number): void;
}

/**
 * True for something indexable with at least two numbers (v86 makes `current_tsc` a proxy that
 * builds a fresh view of its memory on every access, so it is no typed array itself).
 */
function isWordPair(value: unknown): value is ArrayLike<number> {
  if (typeof value !== 'object' || value === null) return false;
  const length: unknown = Reflect.get(value, 'length');
  return typeof length === 'number' && length >= 2 && typeof Reflect.get(value, 0) === 'number';
}

/** v86's CPU object behind `emulator`, when it has the TSC members the fix needs; null otherwise. */
function tscControlsOf(emulator: unknown): TscControls | null {
  if (typeof emulator !== 'object' || emulator === null) return null;
  const machine: unknown = Reflect.get(emulator, 'v86');
  if (typeof machine !== 'object' || machine === null) return null;
  const cpu: unknown = Reflect.get(machine, 'cpu');
  if (typeof cpu !== 'object' || cpu === null) return null;
  const store: unknown = Reflect.get(cpu, 'store_current_tsc');
  const set: unknown = Reflect.get(cpu, 'set_tsc');
  const current: unknown = Reflect.get(cpu, 'current_tsc');
  if (typeof store !== 'function' || typeof set !== 'function' || !isWordPair(current)) return null;
  return cpu as TscControls;
}

/**
 * Reads the guest's time stamp counter of v86 emulator `emulator` (in TSC ticks), or null when
 * the emulator does not expose it (another v86 build, or not loaded yet).
 */
export function readGuestTsc(emulator: unknown): bigint | null {
  const cpu = tscControlsOf(emulator);
  if (!cpu) return null;
  cpu.store_current_tsc();
  return (BigInt(cpu.current_tsc[1] ?? 0) << 32n) | BigInt(cpu.current_tsc[0] ?? 0);
}

/**
 * Prepares v86 emulator `emulator` for `restore_state`, so that the restored guest's TSC is the
 * saved one (see the file comment). Call it right before `restore_state`, with the guest paused.
 * Returns false, doing nothing, when the emulator does not expose the TSC members.
 */
export function prepareTscForRestore(emulator: unknown): boolean {
  const cpu = tscControlsOf(emulator);
  if (!cpu) return false;
  cpu.store_current_tsc();
  cpu.set_tsc(cpu.current_tsc[0] ?? 0, cpu.current_tsc[1] ?? 0);
  return true;
}
