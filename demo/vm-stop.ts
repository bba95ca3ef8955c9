/**
 * Stop that keeps the guest's last writes: before the emulator stops, the guest is asked to
 * `sync` over its control line (`guest-sync.ts`) and the page waits for its answer, so what the
 * guest still held in its page cache reaches the disk. Then the adapter flushes the disk.
 */
import type { SyncOutcome } from './guest-sync.ts';
import type { RunningVm } from './vm-runner.ts';

/** Longest wait for the guest's sync, in milliseconds (a busy machine syncs a few MB in seconds). */
export const STOP_SYNC_TIMEOUT_MS = 20_000;

/** How the guest's data was brought in before a stop. */
export type StopSync = SyncOutcome | 'no-agent';

/**
 * Asks the guest of `vm` to sync and waits up to `timeoutMs`; 'no-agent' when the guest has no
 * control agent running (another guest, or Linux still booting: nothing of the user's to keep).
 */
export async function syncBeforeStop(vm: RunningVm, timeoutMs: number = STOP_SYNC_TIMEOUT_MS): Promise<StopSync> {
  if (!vm.control.agentRunning) return 'no-agent';
  return vm.control.sync(timeoutMs);
}

/** The status line after a stop whose sync ended as `sync`. */
export function describeStop(sync: StopSync | null): string {
  switch (sync) {
    case 'synced':
      return 'VM stopped: the guest wrote everything it held, and the disk is flushed.';
    case 'timeout':
      return `VM stopped; the guest did not confirm its sync within ${STOP_SYNC_TIMEOUT_MS / 1000} s, so its writes of the last seconds may be missing. The disk is flushed.`;
    case 'aborted':
      return 'VM stopped while the guest was syncing; the disk is flushed.';
    case 'no-agent':
      return 'VM stopped; the disk is flushed (no guest agent to ask for a sync: Linux was still booting, or another guest ran).';
    case null:
      return 'No VM was running.';
  }
}
