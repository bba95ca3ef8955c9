/**
 * Progress updates sent to the page without waiting for each one, and awaited all at once before
 * the operation's own answer: the page's callback is a Comlink proxy whose calls travel on a port
 * of their own, which Firefox does not keep in order with the operation's reply.
 */

/** Sends updates to `onProgress` (if any) as they come; `delivered()` resolves once the last one sent has arrived. */
export function progressRelay<T>(onProgress: ((progress: T) => void | Promise<void>) | undefined): { send: (progress: T) => void; delivered: () => Promise<void> } {
  let last: Promise<void> = Promise.resolve();
  return {
    send: (progress) => {
      last = Promise.resolve(onProgress?.(progress)).then(
        () => undefined,
        () => undefined,
      );
    },
    delivered: () => last,
  };
}
