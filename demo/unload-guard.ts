/**
 * Leaving the page while the guest still holds writes loses them: the guest's page cache lives in
 * the emulator's memory, which dies with the page. So:
 * - `beforeunload` asks the browser to warn while the guest has unsaved data (its agent reports
 *   dirty pages), a disk request is in flight, or a command was typed in the last seconds (the
 *   agent reports about once a second), and asks the guest to sync meanwhile;
 * - `visibilitychange` to hidden (another tab, a minimised window, and the first step of closing
 *   the tab) asks the guest to sync, then flushes the disk.
 * The demo guest writes dirty pages back within about two seconds on its own (see
 * `scripts/guest-init.sh`), which bounds what a reload or a closed tab can lose.
 */
import type { RunningVm } from './vm-runner.ts';

/** How long after a typed command the page assumes the guest may hold its writes, in milliseconds. */
export const INPUT_GRACE_MS = 2500;
/** How long a sync on hiding may take before the page stops waiting, in milliseconds. */
const HIDDEN_SYNC_TIMEOUT_MS = 10_000;

/** What the guard reads from the page. */
export interface UnloadGuardHooks {
  /** The running VM, or null. */
  vm(): RunningVm | null;
  /** When the user last sent a line to the guest (`performance.now()` ms), or null. */
  lastInputAt(): number | null;
}

/** Why leaving now could lose the guest's writes, or null when nothing is pending. */
export function pendingWrites(vm: RunningVm | null, lastInputAt: number | null, now: number): string | null {
  if (!vm) return null;
  const unsaved = vm.control.unsavedKilobytes;
  if (unsaved !== null && unsaved > 0) return `the guest holds ${unsaved} KiB not written to the disk yet`;
  if (vm.disk.stats().inFlight > 0) return 'disk requests are in flight';
  if (lastInputAt !== null && now - lastInputAt < INPUT_GRACE_MS) return 'a command was just sent to the guest';
  return null;
}

/** Installs the `beforeunload` warning and the sync on hiding. */
export function installUnloadGuard(hooks: UnloadGuardHooks): void {
  window.addEventListener('beforeunload', (event) => {
    const vm = hooks.vm();
    if (pendingWrites(vm, hooks.lastInputAt(), performance.now()) === null) return;
    if (vm?.control.agentRunning) void vm.control.sync(HIDDEN_SYNC_TIMEOUT_MS);
    event.preventDefault();
    // Older browsers show the prompt only when returnValue is set.
    event.returnValue = '';
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'hidden') return;
    const vm = hooks.vm();
    if (!vm) return;
    const synced = vm.control.agentRunning ? vm.control.sync(HIDDEN_SYNC_TIMEOUT_MS) : Promise.resolve('no-agent');
    void synced.then(() => vm.disk.flush()).catch(() => undefined);
  });
}
