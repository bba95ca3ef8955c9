/**
 * Little-endian byte helpers: the only module of the codec that touches `DataView`, so a missing
 * little-endian flag cannot happen elsewhere.
 */
import { QedCorruptionError } from './errors.ts';

/** 2^32, for combining the halves of a u64. */
const TWO_POW_32 = 4294967296;

/** Returns a `DataView` over exactly the bytes of `bytes`. */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Reads a u32 LE at byte offset `at`. */
export function readU32LE(view: DataView, at: number): number {
  return view.getUint32(at, true);
}

/** Writes a u32 LE at byte offset `at`. */
export function writeU32LE(view: DataView, at: number, value: number): void {
  view.setUint32(at, value, true);
}

/** Reads a u64 LE at byte offset `at` as a `bigint` (exact). */
export function readU64LE(view: DataView, at: number): bigint {
  return view.getBigUint64(at, true);
}

/** Writes a u64 LE at byte offset `at`. */
export function writeU64LE(view: DataView, at: number, value: bigint): void {
  view.setBigUint64(at, value, true);
}

/**
 * Reads a u64 LE at `at` as a `number` without allocating a bigint. Values above
 * `Number.MAX_SAFE_INTEGER` cannot be file offsets here and come back as `Infinity`, which every
 * offset test treats as invalid.
 */
export function readU64AsOffset(view: DataView, at: number): number {
  const low = view.getUint32(at, true);
  const high = view.getUint32(at + 4, true);
  if (high > 0x1fffff) return Number.POSITIVE_INFINITY;
  return high * TWO_POW_32 + low;
}

/** Writes a non-negative safe integer as a u64 LE at `at`, without allocating a bigint. */
export function writeOffsetAsU64(view: DataView, at: number, value: number): void {
  view.setUint32(at, value % TWO_POW_32, true);
  view.setUint32(at + 4, Math.floor(value / TWO_POW_32), true);
}

/**
 * Narrows a u64 to a `number`, throwing `QedCorruptionError` naming `field` when it exceeds
 * `Number.MAX_SAFE_INTEGER` (2^53 - 1).
 */
export function toSafeNumber(value: bigint, field: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new QedCorruptionError(`${field} 0x${value.toString(16)} is beyond 2^53 and cannot be handled`);
  }
  return Number(value);
}

/** True when `value` is a power of two (1, 2, 4, ...). */
export function isPowerOfTwo(value: number): boolean {
  return Number.isInteger(value) && value > 0 && (value & (value - 1)) === 0 && value <= 0x80000000;
}
