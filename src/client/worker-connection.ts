/**
 * The page's connection to the disk worker: one module worker per page, shared by all disks,
 * started on first use (from the worker file that ships beside this module, unless
 * `configureDiskWorker` named another). Calls go through `callWorker`, which revives typed errors
 * and fails (instead of hanging) when the worker cannot start; block requests go through the same
 * port on the `blockLane`.
 */
import * as Comlink from 'comlink';
import { QedArgumentError, QedIoError } from '../qed/errors.ts';
import { BlockLane } from './block-lane.ts';
import { type StorageSupport, assertPageCapabilities, detectSupport } from './support.ts';
import { reviveError } from '../protocol/errors.ts';
import type { DiskWorkerApi } from '../protocol/worker-api.ts';

/** The live connection. */
interface Connection {
  api: Comlink.Remote<DiskWorkerApi>;
  /** Reads, writes and flushes, batched per task. */
  lane: BlockLane;
  /** Rejects when the worker reports an uncaught error (e.g. its module failed to load). */
  failure: Promise<never>;
}

let connection: Connection | null = null;

/** Where the disk worker comes from: a module script's URL, a started `Worker`, or a function that starts one. */
export type DiskWorkerSource = string | URL | Worker | (() => Worker);

/** The source `configureDiskWorker` set, or null for the worker that ships with qedisk. */
let configured: DiskWorkerSource | null = null;

/**
 * Chooses the disk worker this page uses, for setups where the shipped worker file cannot be
 * loaded from beside the qedisk module (a CDN, a strict Content-Security-Policy, a bundler that
 * moves files): the URL of a copy of qedisk's `disk-worker.js` (started as a module worker), a
 * `Worker` already started from it, or a function that starts one. Call it before the first
 * disk call; afterwards it throws `QedArgumentError` (the worker is running already). With a
 * `Worker` or a function, the page's own capability check is skipped (the app started the worker;
 * what the worker lacks comes back from it as a typed error, and `getSupport` still asks it).
 */
export function configureDiskWorker(source: DiskWorkerSource): void {
  if (connection) throw new QedArgumentError('the disk worker has started already: call configureDiskWorker before the first disk call');
  const valid = typeof source === 'string' || source instanceof URL || typeof source === 'function' || (typeof Worker !== 'undefined' && source instanceof Worker);
  if (!valid) throw new QedArgumentError('configureDiskWorker takes a URL, a Worker or a function returning a Worker');
  configured = source;
}

/** Starts the disk worker from the configured source, or the one that ships beside this module. */
function startWorker(): Worker {
  // A literal `new Worker(new URL(...), { ... })`: the form bundlers recognise and rewrite.
  if (configured === null) return new Worker(new URL('../../worker/disk-worker.ts', import.meta.url), { type: 'module', name: 'qedisk-disk-worker' });
  if (typeof configured === 'string' || configured instanceof URL) return new Worker(configured, { type: 'module', name: 'qedisk-disk-worker' });
  return typeof configured === 'function' ? configured() : configured;
}

/** The connection, starting the worker on first use; `StorageUnsupportedError` when the page lacks what disks need. */
function connect(): Connection {
  if (connection) return connection;
  if (configured === null || typeof configured === 'string' || configured instanceof URL) assertPageCapabilities();
  const worker = startWorker();
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

/**
 * What qedisk needs here, tried for real (see `StorageSupport`): call it before offering disks,
 * and fall back to `openMemoryDisk` when `disks` is false. Starts the disk worker when the page
 * has what it needs. Never rejects.
 */
export function getSupport(): Promise<StorageSupport> {
  return detectSupport(() => callWorker('', (api) => api.probeSupport()));
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
