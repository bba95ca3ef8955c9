/**
 * What a Linux start looks like while it runs: "booting" with the seconds since Start and the
 * step the guest is at, read from its console lines (kernel messages and the init's markers, see
 * `scripts/guest-init.sh`), until the shell is ready. Shown in the page's status line and in a
 * line over the VM screen, updated every second.
 */

/** Milliseconds between two updates of the elapsed time. */
const TICK_MS = 1000;

/** How the guest is being started. */
export type BootKind = 'cold' | 'saved-state' | 'unknown';

/** One step of a start, as its console shows it. */
export interface BootStep {
  /** Short description, e.g. "the kernel starts". */
  text: string;
  /** True when the shell is there (the start is over). */
  ready: boolean;
  /** True when the shell came without the disk mounted on /mnt. */
  diskMissing?: boolean;
}

/** The step a console `line` announces, or null when it announces none. */
export function stepOfLine(line: string): BootStep | null {
  if (line.startsWith('QEDISK-READY')) return { text: 'the disk is mounted on /mnt', ready: true };
  if (/^QEDISK-(NO-DISK|UNKNOWN-DATA|MOUNT-FAILED)/.test(line)) return { text: 'the shell runs without the disk on /mnt', ready: true, diskMissing: true };
  if (line.startsWith('QEDISK: /dev/sda is blank')) return { text: 'formatting the empty disk (first boot)', ready: false };
  if (line.startsWith('QEDISK-START:')) return { text: 'reading the disk', ready: false };
  if (line === 'QEDISK-SNAPSHOT-POINT') return { text: 'saving the state for fast starts', ready: false };
  if (/Run \/init as init process|Freeing unused kernel/.test(line)) return { text: 'the init loads the drivers', ready: false };
  if (/Linux version \d/.test(line)) return { text: 'the kernel starts', ready: false };
  return null;
}

/** Whole seconds (below a minute) or minutes and seconds, for the progress line. */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** Where the progress goes. */
export interface BootProgressHooks {
  /** Puts `text` in the page's status line. */
  show(text: string): void;
  /** False while the status line belongs to something else (another operation, an error). */
  canShow(): boolean;
  /** The line over the VM screen (hidden when the start is over). */
  overlay: HTMLElement;
  /** The page's clock in milliseconds (default `performance.now`). */
  now?: () => number;
}

/** The progress of one start; make one per Start. */
export class BootProgress {
  readonly #hooks: BootProgressHooks;
  readonly #now: () => number;
  readonly #started: number;
  #kind: BootKind = 'unknown';
  #step: BootStep = { text: 'the BIOS loads and unpacks the kernel', ready: false };
  #timer: ReturnType<typeof setInterval> | undefined;
  #doneAt: number | null = null;
  #listeners = new Set<(step: BootStep) => void>();

  /** Starts counting now and shows the first step. */
  constructor(hooks: BootProgressHooks) {
    this.#hooks = hooks;
    this.#now = hooks.now ?? (() => performance.now());
    this.#started = this.#now();
    this.#timer = setInterval(() => this.#render(), TICK_MS);
    this.#render();
  }

  /** Says how the guest is being started once that is known (the saved state, or a cold boot). */
  setKind(kind: BootKind): void {
    this.#kind = kind;
    this.#render();
  }

  /** Takes one complete console line of the guest. */
  line(line: string): void {
    if (this.#doneAt !== null) return;
    const step = stepOfLine(line);
    if (!step) return;
    this.#step = step;
    if (step.ready) this.#finish();
    this.#render();
    for (const listener of [...this.#listeners]) listener(step);
  }

  /** True once the shell is ready. */
  get ready(): boolean {
    return this.#doneAt !== null;
  }

  /** Calls `listener` on every new step; returns the unsubscribe function. */
  onStep(listener: (step: BootStep) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The text of the status line now. */
  text(): string {
    const how = { cold: ' (cold boot)', 'saved-state': ' from the saved state', unknown: '' }[this.#kind];
    if (this.#doneAt !== null) {
      const after = formatElapsed(this.#doneAt - this.#started);
      const disk = this.#step.diskMissing ? ', without the disk on /mnt (see the console)' : '';
      return `Linux is ready after ${after}${how}${disk}: type commands in the serial console.`;
    }
    return `Booting Linux${how}: ${formatElapsed(this.#now() - this.#started)}, ${this.#step.text}…`;
  }

  /** Stops the updates and hides the line over the screen (the VM stopped, or the page moved on). */
  cancel(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#hooks.overlay.hidden = true;
  }

  #finish(): void {
    this.#doneAt = this.#now();
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #render(): void {
    const text = this.text();
    this.#hooks.overlay.hidden = this.#doneAt !== null || this.#timer === undefined;
    this.#hooks.overlay.textContent = text;
    if (this.#hooks.canShow()) this.#hooks.show(text);
  }
}
