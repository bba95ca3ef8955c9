/** Turning SIGINT and SIGTERM into an error a long-running job can stop and clean up on. */
import { CliInterruptedError } from './errors.ts';

/** Signals that stop a job, with the exit status a shell expects after each. */
const SIGNAL_EXIT_STATUS = { SIGINT: 130, SIGTERM: 143 } as const;

/** A watch over SIGINT and SIGTERM while a job runs. */
export interface InterruptWatch {
  /** Throws `CliInterruptedError` when a signal arrived since the watch began. */
  check(): void;
  /** Removes the signal handlers (the default behaviour returns). */
  dispose(): void;
}

/**
 * Starts catching SIGINT and SIGTERM. The job must yield to the event loop now and then (for
 * the handlers to run) and call `check()`; dispose of the watch when the job ends.
 */
export function watchInterrupts(): InterruptWatch {
  let received: keyof typeof SIGNAL_EXIT_STATUS | null = null;
  const onInt = (): void => {
    received = 'SIGINT';
  };
  const onTerm = (): void => {
    received = 'SIGTERM';
  };
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    check() {
      if (received !== null) throw new CliInterruptedError(`interrupted by ${received}`, SIGNAL_EXIT_STATUS[received]);
    },
    dispose() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
