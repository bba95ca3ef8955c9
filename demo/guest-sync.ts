/**
 * The page's side of the demo guest's control line on COM2 (`/dev/ttyS1`; see the agent in
 * `scripts/guest-init.sh`). The user's shell stays on COM1, so a sync or a clock setting never
 * lands in what the user types, and works while a command runs there.
 *
 * The page sends `sync N`, `clock S` or `cols C`; the agent answers `QEDISK-SYNCED N`,
 * `QEDISK-CLOCK S`, `QEDISK-COLS C`, and reports `QEDISK-DIRTY KB` (kilobytes of the guest's page
 * cache not on the disk yet) whenever that changes. The v86 disk adapter cannot see that cache:
 * only the guest can say what it still holds.
 */
import { SerialLines } from './serial-lines.ts';

/** How a sync request ended. */
export type SyncOutcome = 'synced' | 'timeout' | 'aborted';

/** One answer line of the agent, parsed. */
export type AgentLine =
  | { kind: 'synced'; id: string }
  | { kind: 'clock'; seconds: number }
  | { kind: 'cols'; columns: number }
  | { kind: 'dirty'; kilobytes: number };

/**
 * Milliseconds between two sends of one sync request while it is unanswered: a line lost on its
 * way (or sent while the agent was restarting) costs this, not the whole timeout. The agent just
 * syncs again and answers with the same number.
 */
export const SYNC_RESEND_MS = 3000;

/** Largest console width the page asks for, in columns. */
export const MAX_COLUMNS = 500;
/** Smallest console width the page asks for, in columns. */
export const MIN_COLUMNS = 40;

/** Parses one line from the agent; null for anything else (kernel noise, a half line). */
export function parseAgentLine(line: string): AgentLine | null {
  const match = /^QEDISK-(SYNCED|CLOCK|COLS|DIRTY) ?(\S*)$/.exec(line.trim());
  if (!match) return null;
  const [, word, value = ''] = match;
  if (word === 'SYNCED') return { kind: 'synced', id: value };
  if (!/^\d{1,15}$/.test(value)) return null;
  const number = Number(value);
  if (word === 'CLOCK') return { kind: 'clock', seconds: number };
  if (word === 'COLS') return { kind: 'cols', columns: number };
  return { kind: 'dirty', kilobytes: number };
}

/** The page's clock in whole seconds since the epoch, as the guest's `date -s @S` takes it. */
export function epochSeconds(nowMs: number = Date.now()): number {
  return Math.floor(nowMs / 1000);
}

/** The control line of one running guest. */
export class GuestControl {
  readonly #send: (text: string) => void;
  readonly #lines = new SerialLines();
  readonly #listeners = new Set<() => void>();
  #nextId = 1;
  #unsavedKb: number | null = null;

  /** Sends the page's commands with `send` (text for COM2 of the emulator). */
  constructor(send: (text: string) => void) {
    this.#send = send;
    this.#lines.onLine((line) => {
      const parsed = parseAgentLine(line);
      if (parsed?.kind !== 'dirty') return;
      this.#unsavedKb = parsed.kilobytes;
      for (const listener of [...this.#listeners]) listener();
    });
  }

  /** Takes one byte the guest wrote to COM2. */
  receive(byte: number): void {
    this.#lines.receive(byte);
  }

  /** True once the agent has reported (it does at once when it starts, after the disk is mounted). */
  get agentRunning(): boolean {
    return this.#unsavedKb !== null;
  }

  /** Kilobytes of the guest's page cache not on the disk yet, as last reported; null before the agent ran. */
  get unsavedKilobytes(): number | null {
    return this.#unsavedKb;
  }

  /** Calls `listener` whenever the agent reports a new unsaved amount; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Asks the guest to write everything it holds to the disk (`sync`) and resolves when it says it
   * did ('synced'), after `timeoutMs` milliseconds without an answer ('timeout'), or when `signal`
   * aborts. The request is sent again every `SYNC_RESEND_MS` until it is answered. The guest's writes have then been handed to the disk adapter; flush the adapter to
   * make them durable.
   */
  async sync(timeoutMs: number, signal?: AbortSignal): Promise<SyncOutcome> {
    if (signal?.aborted) return 'aborted';
    const id = String(this.#nextId++);
    const answer = this.#lines.waitFor((line) => {
      const parsed = parseAgentLine(line);
      return parsed?.kind === 'synced' && parsed.id === id;
    }, timeoutMs, signal);
    const request = `sync ${id}\n`;
    this.#send(request);
    const resend = setInterval(() => this.#send(request), SYNC_RESEND_MS);
    const line = await answer.finally(() => clearInterval(resend));
    if (line !== null) return 'synced';
    return signal?.aborted ? 'aborted' : 'timeout';
  }

  /** Sets the guest's clock to the page's (seconds since the epoch); the agent answers without waiting. */
  setClock(nowMs: number = Date.now()): void {
    this.#send(`clock ${epochSeconds(nowMs)}\n`);
  }

  /** Sets the width of the guest's console (COM1) to `columns`, clamped to [MIN_COLUMNS, MAX_COLUMNS]. */
  setColumns(columns: number): void {
    const clamped = Math.max(MIN_COLUMNS, Math.min(MAX_COLUMNS, Math.floor(columns)));
    if (Number.isFinite(clamped)) this.#send(`cols ${clamped}\n`);
  }
}
