/**
 * The serial console: a `<pre>` fed byte by byte from the guest's COM1, and an input line whose
 * text is sent to the guest with a newline. Terminal control sequences are dropped, backspace and
 * carriage return are honoured, and only the last `MAX_CHARS` characters are kept.
 */

/** Characters kept in the console. */
const MAX_CHARS = 200_000;
/** Milliseconds between screen updates while bytes arrive. */
const RENDER_DELAY_MS = 50;

/** Where the console sends typed lines. */
export type SerialSender = (text: string) => void;

/** A serial console bound to its `<pre>`, input and form. */
export class SerialConsole {
  readonly #output: HTMLPreElement;
  readonly #decoder = new TextDecoder();
  #text = '';
  #pending = '';
  #inEscape = false;
  /** A carriage return came: the next printed character starts the current line again (a shell redrawing its prompt). */
  #carriage = false;
  #renderTimer: ReturnType<typeof setTimeout> | undefined;
  #sender: SerialSender | null = null;
  #lastSentAt: number | null = null;
  #dirty = false;

  /** Binds to the elements; lines typed into `input` go to the current sender. */
  constructor(output: HTMLPreElement, form: HTMLFormElement, input: HTMLInputElement) {
    this.#output = output;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!this.#sender) {
        this.note('not sent: no VM is running. Press Start first; your line stays in the box.');
        return;
      }
      this.#sender(`${input.value}\n`);
      this.#lastSentAt = performance.now();
      input.value = '';
    });
  }

  /** Sets (or clears, with null) where typed lines go. */
  connect(sender: SerialSender | null): void {
    this.#sender = sender;
  }

  /** Takes one byte from the guest. */
  receive(byte: number): void {
    const char = this.#decoder.decode(new Uint8Array([byte]), { stream: true });
    for (const c of char) this.#take(c);
    this.#scheduleRender();
  }

  /** When the last line was sent to the guest (`performance.now()` milliseconds), or null. */
  get lastSentAt(): number | null {
    return this.#lastSentAt;
  }

  /**
   * Adds a line from the page itself (not the guest), e.g. `[VM started]`. It goes above the line
   * the guest has not finished (a prompt, say), so the prompt stays last.
   */
  note(line: string): void {
    const all = this.#text + this.#pending;
    const cut = all.lastIndexOf('\n') + 1;
    this.#text = `${all.slice(0, cut)}[${line}]\n${all.slice(cut)}`.slice(-MAX_CHARS);
    this.#pending = '';
    this.#dirty = true;
    this.#scheduleRender();
  }

  /** Empties the console. */
  clear(): void {
    this.#text = '';
    this.#pending = '';
    this.#carriage = false;
    this.#output.textContent = '';
  }

  #take(c: string): void {
    if (this.#inEscape) {
      // CSI sequences end with a letter (or ~); a lone ESC followed by one char ends there.
      if (/[A-Za-z~@`]/.test(c)) this.#inEscape = false;
      return;
    }
    if (c === '\x1b') {
      this.#inEscape = true;
    } else if (c === '\b' || c === '\x7f') {
      if (this.#pending.length > 0) {
        this.#pending = this.#pending.slice(0, -1);
      } else if (this.#text.length > 0 && !this.#text.endsWith('\n')) {
        this.#text = this.#text.slice(0, -1);
        this.#dirty = true;
      }
    } else if (c === '\r') {
      this.#carriage = true;
    } else if (c === '\n') {
      this.#carriage = false;
      this.#pending += c;
    } else if (c >= ' ' || c === '\t') {
      if (this.#carriage) this.#restartLine();
      this.#pending += c;
    }
  }

  /** Drops the unfinished last line, which the guest is about to print again. */
  #restartLine(): void {
    this.#carriage = false;
    const all = this.#text + this.#pending;
    this.#text = all.slice(0, all.lastIndexOf('\n') + 1);
    this.#pending = '';
    this.#dirty = true;
  }

  #scheduleRender(): void {
    if (this.#renderTimer !== undefined) return;
    this.#renderTimer = setTimeout(() => {
      this.#renderTimer = undefined;
      this.#render();
    }, RENDER_DELAY_MS);
  }

  #render(): void {
    if (this.#pending === '' && !this.#dirty) return;
    this.#dirty = false;
    const atBottom = this.#output.scrollTop + this.#output.clientHeight >= this.#output.scrollHeight - 8;
    this.#text = (this.#text + this.#pending).slice(-MAX_CHARS);
    this.#pending = '';
    this.#output.textContent = this.#text;
    if (atBottom) this.#output.scrollTop = this.#output.scrollHeight;
  }
}
