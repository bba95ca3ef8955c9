/**
 * The worker's end of the block lane (see `src/protocol/block-messages.ts`): takes a batch of
 * block requests from the page and hands each to its open disk in order (so they join their
 * disks' queues in the order they were made). It is the only path of reads, writes, zero writes
 * and flushes into the worker. Answers go back together too: those settled in the
 * same task leave in one message, transferring the buffers read; a request that waits (on the
 * network, or behind a long task of its disk) is answered later on its own, holding nobody up.
 */
import type { LaneReply } from '../src/protocol/block-messages.ts';
import { toWireError } from '../src/protocol/errors.ts';
import { isLaneBatch } from '../src/protocol/block-messages.ts';
import { QedArgumentError, QedRangeError } from '../src/qed/errors.ts';
import type { OpenDevice } from './open-device.ts';

/** Where the lane finds the disk a request names: throws (e.g. `QedClosedError`) for an unknown id. */
export interface LaneTarget {
  device(id: number): Pick<OpenDevice, 'read' | 'write' | 'writeZeroes' | 'flush'>;
}

/** The worker's scope as the lane uses it. */
export interface LaneScope {
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  postMessage(message: unknown, transfer: Transferable[]): void;
}

/** Serves the block lane on `scope` (the worker's global scope) with `target`. */
export function serveBlockLane(target: LaneTarget, scope: LaneScope): void {
  let outbox: LaneReply[] = [];
  // Runs after the microtasks queued before it: the answers of requests that completed without
  // waiting (their promise chains are equally deep) are all in the outbox by then.
  const send = (): void => {
    const replies = outbox;
    outbox = [];
    const transfer: Transferable[] = [];
    for (const reply of replies) if (reply[1] && reply[2] instanceof Uint8Array) transfer.push(reply[2].buffer);
    try {
      scope.postMessage({ laneReplies: replies }, transfer);
    } catch (error) {
      // The answers could not be sent (a buffer that cannot be transferred): the page must not wait forever.
      scope.postMessage({ laneReplies: replies.map(([seq]): LaneReply => [seq, false, toWireError(error)]) }, []);
    }
  };
  const answer = (reply: LaneReply): void => {
    outbox.push(reply);
    if (outbox.length === 1) queueMicrotask(send);
  };
  scope.addEventListener('message', (event) => {
    const data: unknown = event.data;
    if (!isLaneBatch(data)) return;
    for (const request of data.lane) void serve(target, request).then(answer);
  });
}

/** Runs one request; never rejects (a failure becomes an error reply; a malformed request gets sequence -1 when it has none). */
async function serve(target: LaneTarget, request: unknown): Promise<LaneReply> {
  const seq = Array.isArray(request) && typeof request[0] === 'number' ? request[0] : -1;
  try {
    const value = await dispatch(target, request);
    return [seq, true, value instanceof Uint8Array ? value : undefined];
  } catch (error) {
    return [seq, false, toWireError(error)];
  }
}

/**
 * Hands `request` to its disk in `target`. Offsets and lengths that are not numbers are
 * `QedRangeError`s (the engine checks the rest of the range), write data that is not a
 * `Uint8Array` a `QedArgumentError`; a request of another shape is a `QedArgumentError` too.
 */
function dispatch(target: LaneTarget, request: unknown): Promise<Uint8Array | void> {
  if (!Array.isArray(request)) throw new QedArgumentError('a block request must be an array');
  const [, op, disk, offset, argument]: unknown[] = request;
  if (typeof disk !== 'number') throw new QedArgumentError('a block request needs a disk id');
  if (op !== 'read' && op !== 'write' && op !== 'writeZeroes' && op !== 'flush') throw new QedArgumentError(`unknown block request ${String(op)}`);
  const device = target.device(disk);
  if (op === 'flush') return device.flush();
  if (op === 'write') {
    if (!(argument instanceof Uint8Array)) throw new QedArgumentError('write data must be a Uint8Array');
    return device.write(asNumber(offset, argument.byteLength), argument);
  }
  const length = asNumber(argument, offset);
  return op === 'read' ? device.read(asNumber(offset, length), length) : device.writeZeroes(asNumber(offset, length), length);
}

/** `value` when it is a number; `QedRangeError` otherwise (`other` is the request's other figure, for the message). */
function asNumber(value: unknown, other: unknown): number {
  if (typeof value === 'number') return value;
  throw new QedRangeError(`offset and length must be non-negative integers (got ${String(value)} beside ${String(other)})`);
}
