/**
 * A seeded random workload and the plain byte-array model it is checked against. Pure (no DOM,
 * no Node), so the page runs it against a disk and the Node side rebuilds the same model.
 */
import { seededFloats } from '../../support/mulberry32.ts';

/** One step of the workload; offsets and lengths in bytes. */
export type ModelOp =
  | { kind: 'write'; offset: number; length: number; seed: number }
  | { kind: 'zero'; offset: number; length: number }
  | { kind: 'read'; offset: number; length: number };

/** A seeded generator of floats in [0, 1) (mulberry32). */
export const seededRandom = seededFloats;

/** `length` bytes of a pattern derived from `seed` (never all zero for length > 1). */
export function patternBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  const next = seededRandom(seed);
  for (let i = 0; i < length; i += 4) {
    const word = Math.floor(next() * 4294967296);
    for (let j = 0; j < 4 && i + j < length; j++) bytes[i + j] = (word >>> (j * 8)) & 0xff;
  }
  return bytes;
}

/**
 * `count` operations on a disk of `diskSize` bytes: mostly sector-aligned (as a guest issues
 * them), some at odd offsets; lengths up to `maxLength` bytes, so they cross clusters and tables.
 */
export function generateOps(seed: number, diskSize: number, count: number, maxLength = 192 * 1024): ModelOp[] {
  const next = seededRandom(seed);
  const pick = (limit: number): number => Math.floor(next() * limit);
  const ops: ModelOp[] = [];
  for (let i = 0; i < count; i++) {
    const aligned = next() < 0.8;
    let length = aligned ? (1 + pick(maxLength / 512)) * 512 : 1 + pick(maxLength);
    let offset = aligned ? pick(diskSize / 512) * 512 : pick(diskSize);
    if (offset + length > diskSize) length = diskSize - offset;
    const roll = next();
    if (roll < 0.45) ops.push({ kind: 'write', offset, length, seed: seed * 7919 + i });
    else if (roll < 0.6) ops.push({ kind: 'zero', offset, length });
    else ops.push({ kind: 'read', offset, length });
  }
  return ops;
}

/** Applies a write or zero op to `model` (reads change nothing). */
export function applyToModel(model: Uint8Array, op: ModelOp): void {
  if (op.kind === 'write') model.set(patternBytes(op.length, op.seed), op.offset);
  else if (op.kind === 'zero') model.fill(0, op.offset, op.offset + op.length);
}

/** The model after every op of `ops` on an all-zero disk of `diskSize` bytes. */
export function buildModel(diskSize: number, ops: readonly ModelOp[]): Uint8Array {
  const model = new Uint8Array(diskSize);
  for (const op of ops) applyToModel(model, op);
  return model;
}

/** Index of the first byte where `a` and `b` differ, or -1 when they are equal. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
  return a.byteLength === b.byteLength ? -1 : length;
}
