/** A queue that runs tasks one after another in the order they were added, sync or async. */

/** Runs tasks strictly in order; a task starts only after the previous one settled. */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();
  /** Tasks queued or running through `run` (and async ones started by `runNow`). */
  #pending = 0;
  readonly #settled = (): void => {
    this.#pending--;
  };

  /**
   * Queues `task` and resolves (or rejects) with its result. A failing task does not stop the
   * queue. Tasks added in the same turn run in the order of the `run` calls.
   */
  run<T>(task: () => T | Promise<T>): Promise<T> {
    this.#pending++;
    const result = this.#tail.then(task);
    this.#tail = result.then(this.#settled, this.#settled);
    return result;
  }

  /**
   * Like `run`, but when the queue is idle (nothing queued or running) `task` starts at once, in
   * this call, which saves the trips through the promise chain for the common case of one request
   * at a time. The order is the same either way. `task` must not queue tasks on this queue itself.
   */
  runNow<T>(task: () => T | Promise<T>): Promise<T> {
    if (this.#pending > 0) return this.run(task);
    let value: T | Promise<T>;
    try {
      value = task();
    } catch (error) {
      return Promise.reject(error);
    }
    if (!(value instanceof Promise)) return Promise.resolve(value);
    this.#pending++;
    this.#tail = value.then(this.#settled, this.#settled);
    return value;
  }
}
