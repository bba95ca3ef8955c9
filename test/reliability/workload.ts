/** Seeded random guest workloads for the crash sweeps, with the bookkeeping to judge the result. */
import type { QedImage } from '../../src/engine/qed-image.ts';
import { pattern } from '../support/images.ts';
import { seededFloats } from '../support/mulberry32.ts';

/** One guest operation. */
export type GuestOp =
  | { kind: 'write'; offset: number; data: Uint8Array }
  | { kind: 'zero'; offset: number; length: number }
  | { kind: 'flush' }
  /** The disk went idle: the host flushes and clears the need-check bit (`markClean`). */
  | { kind: 'idle' };

/** Makes `count` operations on a disk of `size` bytes with `clusterSize` clusters. */
export function makeWorkload(seed: number, count: number, size: number, clusterSize: number): GuestOp[] {
  const random = seededFloats(seed);
  const ops: GuestOp[] = [];
  for (let i = 0; i < count; i++) {
    const roll = random();
    // Requests pile onto a few hot clusters, and some land on the boundary between L2 tables.
    const where = random();
    const hotStart = where < 0.3 ? Math.max(0, size - 70 * 1024 - 6 * clusterSize) : 0;
    const offset = where < 0.8 ? hotStart + Math.floor(random() * 6 * clusterSize) : Math.floor(random() * (size - 1));
    const maxLength = Math.min(size - offset, 3 * clusterSize);
    const length = Math.max(1, Math.floor(random() ** 2 * maxLength));
    if (roll < 0.1) ops.push({ kind: 'flush' });
    else if (roll < 0.17) ops.push({ kind: 'idle' });
    else if (roll < 0.3) ops.push({ kind: 'zero', offset: offset - (offset % clusterSize), length: Math.min(size - (offset - (offset % clusterSize)), clusterSize * (1 + Math.floor(random() * 3))) });
    else ops.push({ kind: 'write', offset, data: pattern(length, seed * 1000 + i) });
  }
  return ops;
}

/**
 * Tracks what each byte may read as after a crash: the value as of the last completed flush,
 * or any value written since.
 */
export class CrashOracle {
  #flushed: Uint8Array;
  #current: Uint8Array;
  #since: Array<{ offset: number; data: Uint8Array | null; length: number }> = [];

  constructor(initial: Uint8Array) {
    this.#flushed = initial.slice();
    this.#current = initial.slice();
  }

  /** Records that `op` was issued (before knowing whether it completed). */
  issue(op: GuestOp): void {
    if (op.kind === 'flush' || op.kind === 'idle') return;
    if (op.kind === 'write') {
      this.#since.push({ offset: op.offset, data: op.data, length: op.data.byteLength });
      this.#current.set(op.data, op.offset);
    } else {
      this.#since.push({ offset: op.offset, data: null, length: op.length });
      this.#current.fill(0, op.offset, op.offset + op.length);
    }
  }

  /** What every byte reads as with all ops issued so far applied. */
  get current(): Uint8Array {
    return this.#current;
  }

  /** Records that a flush completed: everything issued so far is now stable. */
  flushed(): void {
    this.#flushed = this.#current.slice();
    this.#since = [];
  }

  /** Throws unless every byte of `actual` is its flushed value or a value written since. */
  verify(actual: Uint8Array): void {
    const chunk = 4096;
    for (let start = 0; start < actual.byteLength; start += chunk) {
      const end = Math.min(actual.byteLength, start + chunk);
      if (Buffer.compare(actual.subarray(start, end), this.#flushed.subarray(start, end)) !== 0) this.#verifyBytes(actual, start, end);
    }
  }

  #verifyBytes(actual: Uint8Array, start: number, end: number): void {
    for (let i = start; i < end; i++) {
      const value = actual[i];
      if (value === this.#flushed[i]) continue;
      const allowed = this.#since.some((w) => i >= w.offset && i < w.offset + w.length && (w.data ? w.data[i - w.offset] : 0) === value);
      if (!allowed) {
        throw new Error(`byte ${i} reads ${value}: neither its flushed value ${this.#flushed[i]} nor any value written since the last flush`);
      }
    }
  }
}

/** Applies one operation to the image. */
export function applyOp(image: QedImage, op: GuestOp): void {
  if (op.kind === 'write') image.write(op.offset, op.data);
  else if (op.kind === 'zero') image.writeZeroes(op.offset, op.length);
  else if (op.kind === 'flush') image.flush();
  else image.markClean();
}
