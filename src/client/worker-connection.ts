/**
 * The page's connection to the disk worker: one module worker per page, shared by all disks,
 * started on first use. Calls go through `callWorker`, which revives typed errors and fails
 * (instead of hanging) when the worker cannot start; block requests go through the same port on
 * the `blockLane`.
 */
import * as Comlink from 'comlink';
import { QedIoError } from '../qed/errors.ts';
import { BlockLane } from './block-lane.ts';
import { reviveError } from './errors.ts';
import type { DiskWorkerApi } from './worker-api.ts';

/** The live connection. */
interface Connection {
  api: Comlink.Remote<DiskWorkerApi>;
  /** Reads, writes and flushes, batched per task. */
  lane: BlockLane;
  /** Rejects when the worker reports an uncaught error (e.g. its module failed to load). */
  failure: Promise<never>;
}

let connection: Connection | null = null;

/** The connection, starting the worker on first use. */
function connect(): Connection {
  if (connection) return connection;
  const worker = new Worker(new URL('../../worker/disk-worker.ts', import.meta.url), { type: 'module', name: 'qedisk-disk-worker' });
  const lane = new BlockLane(worker);
  const failure = new Promise<never>((_, reject) => {
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      const error = new QedIoError(`the disk worker failed: ${event.message || 'it could not be started'}`);
      lane.fail(error);
      reject(error);
    });
  });
  failure.catch(() => undefined); // observed by the calls that race it
  connection = { api: Comlink.wrap<DiskWorkerApi>(worker), lane, failure };
  return connection;
}

/** The block lane to the worker (starting it on first use); its requests stay in order with `callWorker`'s. */
export function blockLane(): BlockLane {
  return connect().lane;
}

/**
 * Runs `call` against the worker API. Rejections come back as qedisk's typed errors (with
 * `diskName` for the `Disk*Error`s).
 */
export async function callWorker<T>(diskName: string, call: (api: Comlink.Remote<DiskWorkerApi>) => Promise<T>): Promise<T> {
  const { api, lane, failure } = connect();
  lane.post(); // block requests made before this call reach the worker before it
  try {
    return await Promise.race([call(api), failure]);
  } catch (error) {
    throw reviveError(error, diskName);
  }
}
