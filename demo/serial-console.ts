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
  #renderTimer: ReturnType<typeof setTimeout> | undefined;
  #sender: SerialSender | null = null;

  /** Binds to the elements; lines typed into `input` go to the current sender. */
  constructor(output: HTMLPreElement, form: HTMLFormElement, input: HTMLInputElement) {
    this.#output = output;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!this.#sender) return;
      this.#sender(`${input.value}\n`);
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

  /** Adds a line from the page itself (not the guest), e.g. `[VM started]`. */
  note(line: string): void {
    const last = this.#pending.at(-1) ?? this.#text.at(-1);
    this.#pending += `${last === undefined || last === '\n' ? '' : '\n'}[${line}]\n`;
    this.#scheduleRender();
  }

  /** Empties the console. */
  clear(): void {
    this.#text = '';
    this.#pending = '';
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
      if (this.#pending.length > 0) this.#pending = this.#pending.slice(0, -1);
    } else if (c !== '\r' && (c >= ' ' || c === '\n' || c === '\t')) {
      this.#pending += c;
    }
  }

  #scheduleRender(): void {
    if (this.#renderTimer !== undefined) return;
    this.#renderTimer = setTimeout(() => {
      this.#renderTimer = undefined;
      this.#render();
    }, RENDER_DELAY_MS);
  }

  #render(): void {
    if (this.#pending === '') return;
    const atBottom = this.#output.scrollTop + this.#output.clientHeight >= this.#output.scrollHeight - 8;
    this.#text = (this.#text + this.#pending).slice(-MAX_CHARS);
    this.#pending = '';
    this.#output.textContent = this.#text;
    if (atBottom) this.#output.scrollTop = this.#output.scrollHeight;
  }
}
