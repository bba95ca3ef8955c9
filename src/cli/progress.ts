/** A percentage progress line on stderr, shown only when stderr is a terminal (as `qemu-img -p`). */

/** Where progress goes: a terminal stream, or anything else (then nothing is shown). */
export interface ProgressStream {
  /** True when the stream is a terminal. */
  readonly isTTY?: boolean;
  /** Writes text. */
  write(text: string): unknown;
}

/** Reports how much of a job is done. */
export interface Progress {
  /** Records that `done` of `total` units are complete. */
  update(done: number, total: number): void;
  /** Shows 100% and ends the line. Call once, when the job succeeded. */
  finish(): void;
  /** Ends the line without claiming completion (after a failure). */
  abandon(): void;
}

/**
 * A progress reporter that redraws `stream`'s line when the percentage changes by at least
 * 0.01. Silent unless `stream.isTTY`.
 */
export function createProgress(stream: ProgressStream = process.stderr): Progress {
  if (!stream.isTTY) return { update: () => {}, finish: () => {}, abandon: () => {} };
  let shown = -1;
  let open = false;
  const draw = (hundredths: number): void => {
    if (hundredths === shown) return;
    shown = hundredths;
    open = true;
    stream.write(`\r    (${(hundredths / 100).toFixed(2)}/100%)`);
  };
  return {
    update(done, total) {
      draw(total <= 0 ? 10000 : Math.min(10000, Math.floor((done / total) * 10000)));
    },
    finish() {
      draw(10000);
      stream.write('\n');
      open = false;
    },
    abandon() {
      if (open) stream.write('\n');
      open = false;
    },
  };
}
