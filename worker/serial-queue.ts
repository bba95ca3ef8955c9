/** A queue that runs tasks one after another in the order they were added, sync or async. */

/** Runs tasks strictly in order; a task starts only after the previous one settled. */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  /**
   * Queues `task` and resolves (or rejects) with its result. A failing task does not stop the
   * queue. Tasks added in the same turn run in the order of the `run` calls.
   */
  run<T>(task: () => T | Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
