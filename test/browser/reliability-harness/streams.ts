/**
 * Page side: runs a seeded request stream against an open disk with a bounded number of requests
 * in flight, and reports its progress to the Node test through the `reliabilityReport` binding
 * (set with `exposeFunction`), so the test knows which writes and flushes completed even when it
 * kills the page in the middle. Ops settle in order, so a reported completion vouches for every
 * op before it; also runs ops with a read-back of each for the quota tests.
 */
import type { Disk } from '../../../src/protocol/types.ts';
import { patternBytes } from '../harness/model-ops.ts';
import { toBase64 } from './page-bytes.ts';
import { type StreamOp, streamOp } from './stream.ts';

/** What the page reports about a stream. `index` is the op's index in the stream. */
export type StreamEvent =
  | { stream: string; kind: 'done'; index: number; op: StreamOp['kind'] }
  | { stream: string; kind: 'failed'; index: number; op: StreamOp['kind']; error: string }
  | { stream: string; kind: 'ended'; next: number };

/** Where a stream starts and how hard it pushes. */
export interface StreamOptions {
  /** Index of the first op to send. */
  first: number;
  /** Index past the last op to send (the stream stops there unless stopped earlier). */
  end: number;
  /** Requests in flight at most; `Infinity` sends them all at once. */
  window: number;
}

/** Completions are reported for every flush and every this many ops (fewer round trips to Node); failures always. */
const REPORT_EVERY = 8;

/** A running stream. */
interface RunningStream {
  stopRequested: boolean;
  next: number;
  finished: Promise<number>;
}

const running = new Map<string, RunningStream>();

/** Sends `event` to the Node test, when it listens (a page without the binding just runs). */
function report(event: StreamEvent): void {
  const binding: unknown = Reflect.get(window, 'reliabilityReport');
  if (typeof binding !== 'function') return;
  Promise.resolve(binding.call(window, event)).catch(() => undefined);
}

/** Sends op `op` to `disk`. */
export function sendOp(disk: Disk, op: StreamOp): Promise<void> {
  if (op.kind === 'write') return disk.write(op.offset, patternBytes(op.length, op.seed));
  if (op.kind === 'zero') return disk.writeZeroes(op.offset, op.length);
  return disk.flush();
}

/**
 * Starts stream `seed` on `disk` under the name `id`; returns once the first ops are sent (all
 * of them when `options.window` is `Infinity`). Reports every failure, the completion of every
 * flush and of every `REPORT_EVERY`th op, and the end.
 */
export function startStream(id: string, disk: Disk, seed: number, options: StreamOptions): void {
  if (running.has(id)) throw new Error(`stream "${id}" is running already`);
  const state: RunningStream = { stopRequested: false, next: options.first, finished: Promise.resolve(options.first) };
  const inFlight: Promise<void>[] = [];
  const sendNext = (): void => {
    const index = state.next++;
    const op = streamOp(seed, index, disk.size);
    inFlight.push(
      sendOp(disk, op).then(
        () => {
          if (op.kind === 'flush' || index % REPORT_EVERY === REPORT_EVERY - 1) report({ stream: id, kind: 'done', index, op: op.kind });
        },
        (error: unknown) => report({ stream: id, kind: 'failed', index, op: op.kind, error: error instanceof Error ? error.name : String(error) }),
      ),
    );
  };
  // Fill the window synchronously, so a caller that kills the page right after this returns
  // leaves that many requests queued.
  while (state.next < options.end && inFlight.length < options.window) sendNext();
  const pump = async (): Promise<number> => {
    while (inFlight.length > 0) {
      await inFlight.shift();
      if (!state.stopRequested && state.next < options.end) sendNext();
    }
    report({ stream: id, kind: 'ended', next: state.next });
    return state.next;
  };
  state.finished = pump();
  running.set(id, state);
}

/** Stops sending stream `id`, waits for the requests in flight, and resolves with the index past the last op sent. */
export async function stopStream(id: string): Promise<number> {
  const state = running.get(id);
  if (!state) throw new Error(`no stream "${id}" in this page`);
  state.stopRequested = true;
  const next = await state.finished;
  running.delete(id);
  return next;
}

/** How one op of `runWithReadBack` went. */
export interface OpOutcome {
  /** The op's index in the stream. */
  index: number;
  /** The error's name, or null when the op succeeded. */
  error: string | null;
  /** What the op's range read as right after it (base64), or null for a flush. */
  readBack: string | null;
}

/**
 * Sends ops `first` up to `end` of stream `seed` to `disk` all at once, each followed by a read
 * of its range (the worker keeps the order, so the read shows the range right after the op),
 * and resolves with every outcome once all have settled.
 */
export async function runWithReadBack(disk: Disk, seed: number, first: number, end: number): Promise<OpOutcome[]> {
  const pending: Promise<OpOutcome>[] = [];
  for (let index = first; index < end; index++) {
    const op = streamOp(seed, index, disk.size);
    const sent = sendOp(disk, op).then(
      () => null,
      (error: unknown) => (error instanceof Error ? error.name : String(error)),
    );
    const read = op.kind === 'flush' ? Promise.resolve(null) : disk.read(op.offset, op.length).then(toBase64);
    pending.push(Promise.all([sent, read]).then(([error, readBack]) => ({ index, error, readBack })));
  }
  return Promise.all(pending);
}
