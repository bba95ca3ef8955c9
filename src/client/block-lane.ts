/**
 * `BlockLane`: the page's end of the block lane (see `block-lane-protocol.ts`). Block requests
 * made in the same task are posted together in one message at the end of the task (or earlier,
 * when a Comlink call must follow them), so requests in flight cost one message per task each way
 * instead of one Comlink round trip each. Order is kept: everything goes through the worker's port.
 */
import { QedIoError } from '../qed/errors.ts';
import { type LaneCall, type LaneRequest, isLaneReplies } from '../protocol/block-messages.ts';
import { reviveError } from '../protocol/errors.ts';

/** What the lane needs of the worker: its port. */
export interface LanePort {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

/** A request waiting for its reply. */
interface Waiter {
  /** The disk's name, for revived `Disk*Error`s. */
  diskName: string;
  /** Settles the caller's promise with the reply's value. */
  resolve(value: unknown): void;
  /** Rejects the caller's promise. */
  reject(error: unknown): void;
}

/** The page's end of the block lane to one worker. */
export class BlockLane {
  readonly #port: LanePort;
  readonly #waiting = new Map<number, Waiter>();
  #batch: LaneRequest[] = [];
  #transfer: Transferable[] = [];
  #nextSeq = 1;
  #failure: unknown = null;

  /** Serves requests through `port` (the disk worker), listening for its replies. */
  constructor(port: LanePort) {
    this.#port = port;
    port.addEventListener('message', (event) => this.#receive(event.data));
  }

  /** Reads `length` bytes at `offset` of disk `disk` (named `diskName`); the buffer is the caller's. */
  read(diskName: string, disk: number, offset: number, length: number): Promise<Uint8Array<ArrayBuffer>> {
    return this.#send(diskName, ['read', disk, offset, length], null, isBytes);
  }

  /** Writes `data` at `offset`; `data`'s buffer is transferred to the worker (the caller must own all of it). */
  write(diskName: string, disk: number, offset: number, data: Uint8Array<ArrayBuffer>): Promise<void> {
    return this.#send(diskName, ['write', disk, offset, data], data.buffer, isNothing);
  }

  /** Makes `[offset, offset + length)` of disk `disk` read as zeros. */
  writeZeroes(diskName: string, disk: number, offset: number, length: number): Promise<void> {
    return this.#send(diskName, ['writeZeroes', disk, offset, length], null, isNothing);
  }

  /** Makes the completed writes of disk `disk` durable. */
  flush(diskName: string, disk: number): Promise<void> {
    return this.#send(diskName, ['flush', disk], null, isNothing);
  }

  /** Posts the requests gathered in this task now (call before any other message to the worker, to keep the order). */
  post(): void {
    if (this.#batch.length === 0) return;
    const batch = this.#batch;
    const transfer = this.#transfer;
    this.#batch = [];
    this.#transfer = [];
    try {
      this.#port.postMessage({ lane: batch }, transfer);
    } catch (error) {
      for (const request of batch) this.#settle(request[0], false, error);
    }
  }

  /** Rejects every waiting and later request with `error` (the worker is gone). */
  fail(error: unknown): void {
    this.#failure = error;
    this.#batch = [];
    this.#transfer = [];
    const waiting = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const waiter of waiting) waiter.reject(error);
  }

  #send<T>(diskName: string, call: LaneCall, transfer: ArrayBuffer | null, accept: (value: unknown) => value is T): Promise<T> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    const seq = this.#nextSeq++;
    return new Promise<T>((resolve, reject) => {
      const check = (value: unknown): void => (accept(value) ? resolve(value) : reject(new QedIoError(`the disk worker answered a ${call[0]} with an unexpected value`)));
      this.#waiting.set(seq, { diskName, resolve: check, reject });
      this.#batch.push([seq, ...call]);
      if (transfer) this.#transfer.push(transfer);
      if (this.#batch.length === 1) queueMicrotask(() => this.post());
    });
  }

  #receive(data: unknown): void {
    if (!isLaneReplies(data)) return;
    for (const reply of data.laneReplies) {
      if (!Array.isArray(reply) || typeof reply[0] !== 'number') continue;
      this.#settle(reply[0], reply[1] === true, reply[2]);
    }
  }

  #settle(seq: number, ok: boolean, value: unknown): void {
    const waiter = this.#waiting.get(seq);
    if (!waiter) return;
    this.#waiting.delete(seq);
    if (ok) waiter.resolve(value);
    else waiter.reject(reviveError(value, waiter.diskName));
  }
}

/** True for bytes the page owns: a `Uint8Array` over a plain (transferred, never shared) `ArrayBuffer`. */
function isBytes(value: unknown): value is Uint8Array<ArrayBuffer> {
  return value instanceof Uint8Array && value.buffer instanceof ArrayBuffer;
}

function isNothing(value: unknown): value is void {
  return value === undefined;
}
