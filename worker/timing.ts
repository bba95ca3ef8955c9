/** Waiting helpers and the worker's time limits (milliseconds). */

/** How long to keep retrying a Web Lock or a sync access handle a closing page may still hold. */
export const RELEASE_WAIT_MS = 2500;

/** How long to keep retrying once a live holder of the disk has answered (it will not let go). */
export const LIVE_HOLDER_WAIT_MS = 200;

/** Pause between retries. */
export const RETRY_STEP_MS = 50;

/** Idle time after the last write before the image is marked clean. */
export const IDLE_MARK_CLEAN_MS = 5000;

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
