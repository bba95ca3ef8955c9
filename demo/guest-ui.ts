/**
 * What the page shows of a running guest besides its screen and console: the boot progress (in
 * the status line and over the screen) until the shell is ready, whether the guest still holds
 * writes that are not on the disk yet, and the console width sent to the guest so that its shell
 * wraps where the page does. After a resumed VM save it also sets the guest's clock (a fast start
 * sets it from its start line; see `linux-start.ts`).
 */
import { BootProgress } from './boot-progress.ts';
import { watchConsoleColumns } from './console-width.ts';
import { SerialLines } from './serial-lines.ts';
import type { GuestKind, RunningVm } from './vm-runner.ts';

/** What the page gives the guest's display. */
export interface GuestUiHooks {
  /** Puts `text` in the page's status line. */
  show(text: string): void;
  /** False while the status line belongs to something else (another operation, an error). */
  canShow(): boolean;
  /** The line over the VM screen. */
  overlay: HTMLElement;
  /** The serial console's `<pre>`, measured for its width in characters. */
  console: HTMLElement;
  /** Where "all written to the disk" or "N KiB not on the disk yet" goes. */
  savedState: HTMLElement;
}

/** The display of the guest that runs (one at a time). */
export class GuestUi {
  readonly #hooks: GuestUiHooks;
  #progress: BootProgress | null = null;
  #lines = new SerialLines();
  #vm: RunningVm | null = null;
  #columns = 0;
  /** The width last sent to the running guest (0: none yet). */
  #sentColumns = 0;
  #unsubscribe: (() => void) | null = null;

  /** Starts watching the console's width. */
  constructor(hooks: GuestUiHooks) {
    this.#hooks = hooks;
    watchConsoleColumns(hooks.console, (columns) => {
      this.#columns = columns;
      this.#sendColumns();
    });
    setInterval(() => this.#renderSaved(), 1000);
  }

  /** A start of `guest` begins (before the emulator exists): Linux gets a boot progress. */
  beginStart(guest: GuestKind): void {
    this.stopped();
    this.#lines = new SerialLines();
    if (guest !== 'linux') return;
    const progress = new BootProgress({ show: this.#hooks.show, canShow: this.#hooks.canShow, overlay: this.#hooks.overlay });
    this.#lines.onLine((line) => progress.line(line));
    this.#progress = progress;
  }

  /** Takes one byte of the guest's console (COM1). */
  serialByte(byte: number): void {
    this.#lines.receive(byte);
  }

  /** The emulator runs; returns the text for the status line (null: the page's own, no boot to follow). */
  started(vm: RunningVm): string | null {
    this.#vm = vm;
    this.#sentColumns = 0;
    this.#unsubscribe = vm.control.onChange(() => this.#agentReported());
    const progress = this.#progress;
    if (vm.startedFrom === 'vm-save') {
      // The guest resumes where it was saved: no boot to show; its clock is the save's.
      progress?.cancel();
      this.#progress = null;
      vm.control.setClock();
      this.#agentReported();
      return null;
    }
    if (!progress) return null;
    progress.setKind(vm.startedFrom === 'saved-state' ? 'saved-state' : 'cold');
    return progress.text();
  }

  /** The guest stopped (or its start failed). */
  stopped(): void {
    this.#progress?.cancel();
    this.#progress = null;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#vm = null;
    this.#renderSaved();
  }

  /** The agent spoke: the first time, the console width goes to the guest. */
  #agentReported(): void {
    this.#sendColumns();
    this.#renderSaved();
  }

  /** Sends the console width to the guest when its agent runs and has not got this width yet. */
  #sendColumns(): void {
    const vm = this.#vm;
    if (!vm?.control.agentRunning || this.#columns <= 0 || this.#columns === this.#sentColumns) return;
    vm.control.setColumns(this.#columns);
    this.#sentColumns = this.#columns;
  }

  #renderSaved(): void {
    const target = this.#hooks.savedState;
    const vm = this.#vm;
    const unsaved = vm?.control.unsavedKilobytes ?? null;
    const inFlight = vm ? vm.disk.stats().inFlight : 0;
    let text = '';
    if (vm && unsaved !== null) text = unsaved > 0 || inFlight > 0 ? `writing ${unsaved} KiB to the disk…` : 'all written to the disk';
    target.textContent = text;
    target.dataset['unsavedKb'] = unsaved === null ? '' : String(unsaved);
    target.classList.toggle('pending', text.startsWith('writing'));
  }
}

/** Blanks the VM screen `screen` (text mode and graphics) after its VM is gone for good. */
export function clearScreen(screen: HTMLElement): void {
  screen.querySelector('.screen-text')?.replaceChildren();
  const canvas = screen.querySelector('canvas');
  canvas?.getContext('2d')?.clearRect(0, 0, canvas.width, canvas.height);
}
