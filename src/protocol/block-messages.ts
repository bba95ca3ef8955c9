/**
 * The wire contract of the block lane: the page's reads, writes, zero writes and flushes, sent
 * to the disk worker on the worker's own port beside Comlink's messages (so one port keeps every
 * request in order) in a lean form, several per message. Types and shape checks only; the page
 * side is `src/client/block-lane.ts`, the worker side `worker/block-lane.ts`. Offsets and lengths in bytes.
 *
 * Requests made in one task of the page travel together as one `LaneBatch`; the answers of the
 * requests that complete together travel back together as one `LaneReplies` (a request that has to
 * wait, e.g. for an HTTP base, is answered on its own later). Comlink ignores both (they carry
 * neither its `id` nor its `type`).
 */
import type { WireError } from './errors.ts';

/** One block request as the page API makes it: the operation, the disk id, its arguments. */
export type LaneCall =
  | [op: 'read', disk: number, offset: number, length: number]
  | [op: 'write', disk: number, offset: number, data: Uint8Array]
  | [op: 'writeZeroes', disk: number, offset: number, length: number]
  | [op: 'flush', disk: number];

/** A block request on the wire: a sequence number (unique per page) before the call. */
export type LaneRequest = [seq: number, ...call: LaneCall];

/** Requests the page made in one task, oldest first. Buffers of writes are transferred. */
export interface LaneBatch {
  lane: LaneRequest[];
}

/** The outcome of one request: the bytes read (transferred) or nothing, or the error. */
export type LaneReply = [seq: number, ok: true, value: Uint8Array | undefined] | [seq: number, ok: false, error: WireError];

/** Outcomes of requests that completed together, in any order. */
export interface LaneReplies {
  laneReplies: LaneReply[];
}

/** True when `data` is a batch of block requests (only its envelope is checked). */
export function isLaneBatch(data: unknown): data is { lane: unknown[] } {
  return typeof data === 'object' && data !== null && Array.isArray(Reflect.get(data, 'lane'));
}

/** True when `data` is a batch of replies (only its envelope is checked). */
export function isLaneReplies(data: unknown): data is { laneReplies: unknown[] } {
  return typeof data === 'object' && data !== null && Array.isArray(Reflect.get(data, 'laneReplies'));
}
