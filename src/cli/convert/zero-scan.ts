/**
 * Node's fast zero test for `forEachDataRun`: each block is compared with a shared zero buffer by
 * `Buffer.compare` (a native memcmp), about ten times faster than a typed-array loop and without
 * allocating per block.
 */
import { forEachDataRun as forEachRun } from '../../engine/zero-runs.ts';

/** A shared all-zero buffer, grown on demand; never written to. */
let zeros = Buffer.alloc(64 * 1024);

/** True when `block` is all zeros, by a native compare. */
function isZeroBlock(block: Uint8Array): boolean {
  if (block.byteLength > zeros.byteLength) zeros = Buffer.alloc(block.byteLength);
  return Buffer.from(block.buffer, block.byteOffset, block.byteLength).compare(zeros, 0, block.byteLength) === 0;
}

/** As the engine's `forEachDataRun`, with Node's native compare. */
export function forEachDataRun(chunk: Uint8Array, blockSize: number, onRun: (start: number, end: number) => void): void {
  forEachRun(chunk, blockSize, onRun, isZeroBlock);
}
