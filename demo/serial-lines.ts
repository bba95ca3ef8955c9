/**
 * Splits the guest's serial output into lines, for the page's side of the guest's protocol
 * (`QEDISK-SNAPSHOT-POINT`, `QEDISK-START: ...`). Carriage returns are dropped; a line is
 * reported when its newline arrives.
 */

/** Longest line kept, in characters; the rest of a longer line is dropped. */
const MAX_LINE_CHARS = 4096;

/** Feeds lines to listeners until they unsubscribe. */
export class SerialLines {
  readonly #decoder = new TextDecoder();
  readonly #listeners = new Set<(line: string) => void>();
  #line = '';

  /** Takes one byte of output. */
  receive(byte: number): void {
    const text = this.#decoder.decode(new Uint8Array([byte]), { stream: true });
    for (const char of text) {
      if (char === '\n') {
        const line = this.#line;
        this.#line = '';
        for (const listener of [...this.#listeners]) listener(line);
      } else if (char !== '\r' && this.#line.length < MAX_LINE_CHARS) {
        this.#line += char;
      }
    }
  }

  /** Calls `listener` with every complete line from now on; returns the unsubscribe function. */
  onLine(listener: (line: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Resolves with the first line from now on that `matches` accepts, or with null after
   * `timeoutMs` milliseconds (or when `signal` aborts).
   */
  waitFor(matches: (line: string) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<string | null> {
    return new Promise((resolve) => {
      const finish = (line: string | null): void => {
        clearTimeout(timer);
        unsubscribe();
        signal?.removeEventListener('abort', onAbort);
        resolve(line);
      };
      const onAbort = (): void => finish(null);
      const unsubscribe = this.onLine((line) => {
        if (matches(line)) finish(line);
      });
      const timer = setTimeout(() => finish(null), timeoutMs);
      signal?.addEventListener('abort', onAbort);
    });
  }
}
