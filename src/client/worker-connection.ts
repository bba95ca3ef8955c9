/**
 * The page's connection to the disk worker: one module worker per page, shared by all disks,
 * started on first use. Calls go through `callWorker`, which revives typed errors and fails
 * (instead of hanging) when the worker cannot start.
 */
import * as Comlink from 'comlink';
import { QedIoError } from '../qed/errors.ts';
import { reviveError } from './errors.ts';
import type { DiskWorkerApi } from './worker-api.ts';

/** The live connection. */
interface Connection {
  api: Comlink.Remote<DiskWorkerApi>;
  /** Rejects when the worker reports an uncaught error (e.g. its module failed to load). */
  failure: Promise<never>;
}

let connection: Connection | null = null;

/** The connection, starting the worker on first use. */
function connect(): Connection {
  if (connection) return connection;
  const worker = new Worker(new URL('../../worker/disk-worker.ts', import.meta.url), { type: 'module', name: 'qedisk-disk-worker' });
  const failure = new Promise<never>((_, reject) => {
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      reject(new QedIoError(`the disk worker failed: ${event.message || 'it could not be started'}`));
    });
  });
  failure.catch(() => undefined); // observed by the calls that race it
  connection = { api: Comlink.wrap<DiskWorkerApi>(worker), failure };
  return connection;
}

/**
 * Runs `call` against the worker API. Rejections come back as qedisk's typed errors (with
 * `diskName` for the `Disk*Error`s).
 */
export async function callWorker<T>(diskName: string, call: (api: Comlink.Remote<DiskWorkerApi>) => Promise<T>): Promise<T> {
  const { api, failure } = connect();
  try {
    return await Promise.race([call(api), failure]);
  } catch (error) {
    throw reviveError(error, diskName);
  }
}
