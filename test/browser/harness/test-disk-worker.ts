/**
 * The browser tests' disk worker: qedisk's own worker with every disk file wrapped in a
 * `QuotaLimitedFile`, and a control port (sent by the page as `{ qediskTestControl: port }`) on
 * which the page sets those limits. The product's worker has no such hook.
 */
import * as Comlink from 'comlink';
import { startDiskWorker } from '../../../worker/start-disk-worker.ts';
import { QuotaLimitedFile } from '../../support/quota-limited-file.ts';

/** Limits by disk name (kept across reopens), and the wrapped file of each open disk. */
const limits = new Map<string, number | null>();
const files = new Map<string, QuotaLimitedFile>();

/** What the page's control port offers. */
const control = {
  /** Limits (bytes) or unlimits (null) the growth of disk `name`'s file, now and after reopens. */
  setQuotaLimit(name: string, bytes: number | null): void {
    limits.set(name, bytes);
    files.get(name)?.setLimit(bytes);
  },
};

/** The type of the control port's API. */
export type TestWorkerControl = typeof control;

startDiskWorker({
  wrapFile: (file, name) => {
    const limited = new QuotaLimitedFile(file, limits.get(name) ?? null);
    files.set(name, limited);
    return limited;
  },
});

self.addEventListener('message', (event: MessageEvent) => {
  const port: unknown = typeof event.data === 'object' && event.data !== null ? Reflect.get(event.data, 'qediskTestControl') : undefined;
  if (port instanceof MessagePort) Comlink.expose(control, port);
});
