/**
 * Progress of the first-time download and build: one line per step with sizes; on a terminal the
 * line of the running step is redrawn as bytes arrive (a bar, the bytes so far and the rate).
 */

/** Where the build reports what it is doing. */
export interface Progress {
  /** A step over `totalBytes` bytes (0 when unknown) begins. */
  begin(label: string, totalBytes: number): void;
  /** `bytes` more bytes of the running step are done. */
  advance(bytes: number): void;
  /** The running step ended; `summary` (default: its size) is printed with its duration. */
  end(summary?: string): void;
  /** A line of its own (a retry, a decision). */
  note(message: string): void;
}

/** A `Progress` that reports nothing (tests, library use). */
export const silentProgress: Progress = { begin() {}, advance() {}, end() {}, note() {} };

const MIB = 1024 * 1024;
/** Redraw the bar at most this often, in milliseconds. */
const REDRAW_INTERVAL_MS = 100;
const BAR_WIDTH = 24;

/** `bytes` as MiB with one decimal (or KiB below 1 MiB). */
export function formatBytes(bytes: number): string {
  return bytes >= MIB ? `${(bytes / MIB).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** The output a terminal progress writes to: a stream with `write`, and `isTTY` on a terminal. */
export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * A `Progress` on `output` (stderr by default), each line starting with `prefix`. On a terminal
 * the running step is one redrawn line with a bar; elsewhere (CI logs) one line when a step begins
 * and one when it ends, with its size and duration.
 */
export class TerminalProgress implements Progress {
  readonly #output: ProgressOutput;
  readonly #prefix: string;
  #label = '';
  #total = 0;
  #done = 0;
  #started = 0;
  #lastDraw = 0;
  #active = false;

  /** Reports to `output` with `prefix` before every line. */
  constructor(prefix: string, output: ProgressOutput = process.stderr) {
    this.#output = output;
    this.#prefix = prefix;
  }

  begin(label: string, totalBytes: number): void {
    if (this.#active) this.end();
    this.#label = label;
    this.#total = totalBytes;
    this.#done = 0;
    this.#started = performance.now();
    this.#lastDraw = 0;
    this.#active = true;
    if (this.#output.isTTY) this.#draw();
    else this.#output.write(`${this.#prefix}${label}${totalBytes > 0 ? ` (${formatBytes(totalBytes)})` : ''}...\n`);
  }

  advance(bytes: number): void {
    this.#done += bytes;
    const now = performance.now();
    if (this.#output.isTTY && now - this.#lastDraw >= REDRAW_INTERVAL_MS) this.#draw();
  }

  end(summary?: string): void {
    if (!this.#active) return;
    this.#active = false;
    const seconds = (performance.now() - this.#started) / 1000;
    const size = this.#done > 0 ? formatBytes(this.#done) : this.#total > 0 ? formatBytes(this.#total) : '';
    const line = `${this.#prefix}${this.#label}: ${[summary ?? size, `${seconds.toFixed(1)} s`].filter(Boolean).join(' in ')}`;
    this.#output.write(this.#output.isTTY ? `\r\x1b[2K${line}\n` : `${line}\n`);
  }

  note(message: string): void {
    this.#output.write(`${this.#output.isTTY && this.#active ? '\r\x1b[2K' : ''}${this.#prefix}${message}\n`);
    if (this.#output.isTTY && this.#active) this.#draw();
  }

  #draw(): void {
    this.#lastDraw = performance.now();
    const seconds = Math.max((this.#lastDraw - this.#started) / 1000, 0.001);
    const rate = `${formatBytes(this.#done / seconds)}/s`;
    let text: string;
    if (this.#total > 0) {
      const fraction = Math.min(this.#done / this.#total, 1);
      const filled = Math.round(fraction * BAR_WIDTH);
      const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
      text = `${this.#label} ${bar} ${formatBytes(this.#done)} / ${formatBytes(this.#total)}  ${rate}`;
    } else {
      text = `${this.#label} ${formatBytes(this.#done)}  ${rate}`;
    }
    const line = `${this.#prefix}${text}`;
    const width = this.#output.columns ?? 120;
    this.#output.write(`\r\x1b[2K${line.length > width - 1 ? line.slice(0, width - 1) : line}`);
  }
}
