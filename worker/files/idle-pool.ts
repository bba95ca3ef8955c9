/**
 * `IdlePool`: things the files service opens for itself (a disk the page has not opened, a
 * snapshot view) kept open between requests and closed once unused for a while, so a directory
 * walk or the chunks of a download do not reopen the disk each time, yet the disk's lock is not
 * kept for long. A key being closed is reopened only after its close finished.
 */

/** Something the pool can close. */
export interface Closable {
  /** Releases everything it holds. */
  close(): Promise<void>;
}

/** One pooled thing. */
interface Slot<T> {
  opening: Promise<T>;
  active: number;
  timer: ReturnType<typeof setTimeout> | null;
}

/** Open things by key, closed after `idleMs` without use; see the module comment. */
export class IdlePool<T extends Closable> {
  readonly #idleMs: number;
  readonly #slots = new Map<string, Slot<T>>();
  readonly #closing = new Map<string, Promise<void>>();

  /** A pool whose things close `idleMs` milliseconds after their last use. */
  constructor(idleMs: number) {
    this.#idleMs = idleMs;
  }

  /** Runs `use` with the thing under `key`, opening it with `open` when it is not open. */
  async use<R>(key: string, open: () => Promise<T>, use: (item: T) => Promise<R>): Promise<R> {
    await this.#closing.get(key);
    let slot = this.#slots.get(key);
    if (!slot) {
      const created: Slot<T> = { opening: open(), active: 0, timer: null };
      this.#slots.set(key, created);
      created.opening.catch(() => {
        if (this.#slots.get(key) === created) this.#slots.delete(key);
      });
      slot = created;
    }
    slot.active++;
    if (slot.timer !== null) clearTimeout(slot.timer);
    slot.timer = null;
    try {
      return await use(await slot.opening);
    } finally {
      slot.active--;
      this.#arm(key, slot);
    }
  }

  /** True when something is open (or opening) under `key`. */
  has(key: string): boolean {
    return this.#slots.has(key);
  }

  /** Closes the things whose key `matches` (waiting for their requests to finish first, as their own queues do). */
  async closeWhere(matches: (key: string) => boolean): Promise<void> {
    await Promise.all([...this.#slots.keys()].filter(matches).map((key) => this.#close(key)));
  }

  /** Starts the idle timer of an unused slot. */
  #arm(key: string, slot: Slot<T>): void {
    if (slot.active > 0 || this.#slots.get(key) !== slot) return;
    if (slot.timer !== null) clearTimeout(slot.timer);
    slot.timer = setTimeout(() => {
      slot.timer = null;
      if (slot.active === 0) void this.#close(key);
    }, this.#idleMs);
  }

  /** Forgets `key` and closes what it held; later uses wait for that. */
  #close(key: string): Promise<void> {
    const slot = this.#slots.get(key);
    if (!slot) return this.#closing.get(key) ?? Promise.resolve();
    this.#slots.delete(key);
    if (slot.timer !== null) clearTimeout(slot.timer);
    const closing = slot.opening.then((item) => item.close(), () => undefined).catch(() => undefined).finally(() => {
      if (this.#closing.get(key) === closing) this.#closing.delete(key);
    });
    this.#closing.set(key, closing);
    return closing;
  }
}
