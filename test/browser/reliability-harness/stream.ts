/**
 * A seeded, endless stream of guest requests (writes, zero fills, flushes) for the browser
 * reliability tests. Op `i` of stream `seed` depends only on `(seed, i)`, so the page can run the
 * stream for as long as it lives and the Node side rebuilds any prefix of it. Pure: no DOM, no Node.
 */
import { patternBytes, seededRandom } from '../harness/model-ops.ts';

/** One request of a stream; offsets and lengths in bytes. */
export type StreamOp =
  | { kind: 'write'; offset: number; length: number; seed: number }
  | { kind: 'zero'; offset: number; length: number }
  | { kind: 'flush' };

/** The disk the streams run on: 6 MiB, 4 KiB clusters, 2-cluster tables (one L2 table covers 4 MiB). */
export const STREAM_DISK = { size: 6 * 1024 * 1024, clusterSize: 4096, tableSize: 2 } as const;

/** Guest offset where the second L2 table starts on `STREAM_DISK` (bytes). */
const TABLE_BOUNDARY_BYTES = 4 * 1024 * 1024;

/** Longest write or zero fill of a stream, in bytes. */
const MAX_REQUEST_BYTES = 48 * 1024;

/**
 * Op `index` of stream `seed` on a disk of `diskSize` bytes. About 1 in 12 is a flush, 1 in 8 a
 * zero fill; the rest are writes, mostly sector-aligned, some at odd offsets, a third of them
 * around the boundary between the two L2 tables, so requests cross clusters and tables.
 */
export function streamOp(seed: number, index: number, diskSize: number = STREAM_DISK.size): StreamOp {
  const next = seededRandom((Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
  const pick = (limit: number): number => Math.floor(next() * limit);
  const roll = next();
  if (roll < 1 / 12) return { kind: 'flush' };
  const aligned = next() < 0.8;
  const nearBoundary = next() < 0.33 && diskSize > TABLE_BOUNDARY_BYTES;
  const windowStart = nearBoundary ? TABLE_BOUNDARY_BYTES - 64 * 1024 : 0;
  const windowBytes = nearBoundary ? 128 * 1024 : diskSize;
  let offset = windowStart + (aligned ? pick(windowBytes / 512) * 512 : pick(windowBytes));
  offset = Math.min(offset, diskSize - 512);
  let length = aligned ? (1 + pick(MAX_REQUEST_BYTES / 512)) * 512 : 1 + pick(MAX_REQUEST_BYTES);
  length = Math.min(length, diskSize - offset);
  if (roll < 1 / 12 + 1 / 8) return { kind: 'zero', offset, length };
  return { kind: 'write', offset, length, seed: (Math.imul(seed, 7919) + index) >>> 0 };
}

/** The bytes op `op` leaves in its range: its pattern for a write, zeros for a zero fill, null for a flush. */
export function opBytes(op: StreamOp): Uint8Array | null {
  if (op.kind === 'write') return patternBytes(op.length, op.seed);
  if (op.kind === 'zero') return new Uint8Array(op.length);
  return null;
}

/** Applies `op` to `model` (the guest bytes) in place. */
export function applyStreamOp(model: Uint8Array, op: StreamOp): void {
  const bytes = opBytes(op);
  if (bytes && op.kind !== 'flush') model.set(bytes, op.offset);
}

/** A copy of `initial` (the guest bytes) after ops `first` up to (not including) `end` of stream `seed`. */
export function streamModel(initial: Uint8Array, seed: number, first: number, end: number): Uint8Array {
  const model = initial.slice();
  for (let index = first; index < end; index++) applyStreamOp(model, streamOp(seed, index, model.byteLength));
  return model;
}
