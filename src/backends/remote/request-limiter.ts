/** A counting semaphore for async tasks: at most `limit` run at once, the rest wait in order. */
export class RequestLimiter {
  /** Tasks allowed at once. */
  readonly limit: number;
  readonly #waiting: Array<() => void> = [];
  #active = 0;
  #peak = 0;

  /** Allows `limit` (at least 1) tasks at once. */
  constructor(limit: number) {
    this.limit = Math.max(1, Math.floor(limit));
  }

  /** Most tasks that ever ran at once. */
  get peak(): number {
    return this.#peak;
  }

  /** Runs `task` once a slot is free and settles as it does. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active < this.limit) this.#active++;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#peak = Math.max(this.#peak, this.#active);
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
    }
  }
}
