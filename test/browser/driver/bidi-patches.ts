/**
 * What the Firefox BiDi proxy (`firefox-bidi-shim.ts`) changes in the traffic between
 * Playwright's WebDriver BiDi client and Firefox ESR 153, as pure functions over message text.
 * Everything else passes unchanged.
 *
 * 1. `unknown command` for a command in {@link TOLERATED_COMMANDS} becomes an empty success.
 *    Playwright sends `emulation.setMediaFeaturesOverride` (prefers-color-scheme) for every new
 *    context and page and stops at the error; Firefox 153 does not have the command.
 * 2. Downloads started by a script (`<a download href="blob:...">.click()`) are announced by
 *    Firefox with `navigation: null` and no `download` id; Playwright ignores such events, so
 *    `page.waitForEvent('download')` never resolves. The proxy gives each one an id, and the
 *    matching `downloadEnd` (same context and URL) the same id.
 */

/** Commands whose `unknown command` error is answered with an empty success (display-only emulation). */
export const TOLERATED_COMMANDS: ReadonlySet<string> = new Set(['emulation.setMediaFeaturesOverride']);

/** The fields of a BiDi message the proxy looks at. */
interface BidiMessage {
  id?: unknown;
  method?: unknown;
  type?: unknown;
  error?: unknown;
  params?: unknown;
}

/** The fields of a download event's parameters the proxy looks at. */
interface DownloadParams {
  context?: unknown;
  url?: unknown;
  navigation?: unknown;
  download?: unknown;
}

/** Parses a BiDi message, or returns null for anything that is not a JSON object. */
function parse(text: string): BidiMessage | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as BidiMessage) : null;
  } catch {
    return null;
  }
}

/** The state of one proxied connection: commands awaiting answers, downloads awaiting their end. */
export class BidiPatcher {
  /** Method of each command still waiting for its answer, by command id. */
  readonly #methods = new Map<unknown, string>();
  /** Ids given to id-less downloads, oldest first, by `context url`. */
  readonly #downloads = new Map<string, string[]>();
  #nextDownload = 1;
  /** Called with a line for the log whenever a message is changed. */
  readonly #log: (line: string) => void;

  /** A patcher that reports each change to `log`. */
  constructor(log: (line: string) => void) {
    this.#log = log;
  }

  /** Notes a command Playwright sends to Firefox; returns the text to forward (unchanged). */
  fromClient(text: string): string {
    const message = parse(text);
    if (message && message.id !== undefined && typeof message.method === 'string') this.#methods.set(message.id, message.method);
    return text;
  }

  /** Returns the text to forward to Playwright for `text` from Firefox. */
  fromBrowser(text: string): string {
    const message = parse(text);
    if (!message) return text;
    if (message.id !== undefined) return this.#answer(message, text);
    if (message.method === 'browsingContext.downloadWillBegin' || message.method === 'browsingContext.downloadEnd') return this.#download(message, text);
    return text;
  }

  /** Patch 1: an answer to a command. */
  #answer(message: BidiMessage, text: string): string {
    const method = this.#methods.get(message.id);
    this.#methods.delete(message.id);
    if (message.type !== 'error' || message.error !== 'unknown command' || method === undefined || !TOLERATED_COMMANDS.has(method)) return text;
    this.#log(`${method}: unknown to this Firefox, answered with an empty success`);
    return JSON.stringify({ type: 'success', id: message.id, result: {} });
  }

  /** Patch 2: a download event without an id. */
  #download(message: BidiMessage, text: string): string {
    const params = message.params as DownloadParams | undefined;
    if (!params || typeof params !== 'object' || params.download !== undefined || (params.navigation !== null && params.navigation !== undefined)) return text;
    const key = `${String(params.context)} ${String(params.url)}`;
    const waiting = this.#downloads.get(key) ?? [];
    let id: string | undefined;
    if (message.method === 'browsingContext.downloadWillBegin') {
      id = `qedisk-shim-download-${this.#nextDownload++}`;
      waiting.push(id);
      this.#downloads.set(key, waiting);
    } else {
      id = waiting.shift();
      if (waiting.length === 0) this.#downloads.delete(key);
      if (id === undefined) return text;
    }
    this.#log(`${String(message.method)} for ${String(params.url)}: given download id ${id}`);
    return JSON.stringify({ ...message, params: { ...params, download: id } });
  }
}
