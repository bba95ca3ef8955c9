/**
 * Byte-order helpers of the foreign formats: qcow2 and VHD are big-endian, VMDK, VHDX and VDI
 * little-endian. Like `src/qed/bytes.ts`, the only module of `src/formats` that touches
 * `DataView`; 64-bit values come back as numbers, with `Infinity` for anything beyond 2^53 so
 * every "inside the file?" test rejects them.
 */

/** 2^32, for combining the halves of a u64. */
const TWO_POW_32 = 4294967296;

/** Largest high half of a u64 whose value is still a safe integer. */
const MAX_SAFE_HIGH = 0x1fffff;

/** Returns a `DataView` over exactly the bytes of `bytes`. */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Reads a u16 big-endian at byte offset `at`. */
export function readU16BE(view: DataView, at: number): number {
  return view.getUint16(at, false);
}

/** Reads a u16 little-endian at byte offset `at`. */
export function readU16LE(view: DataView, at: number): number {
  return view.getUint16(at, true);
}

/** Reads a u32 big-endian at byte offset `at`. */
export function readU32BE(view: DataView, at: number): number {
  return view.getUint32(at, false);
}

/** Reads a u32 little-endian at byte offset `at`. */
export function readU32LE(view: DataView, at: number): number {
  return view.getUint32(at, true);
}

/** Reads a u64 big-endian at `at` as a number; values above 2^53 - 1 come back as `Infinity`. */
export function readU64BE(view: DataView, at: number): number {
  const high = view.getUint32(at, false);
  const low = view.getUint32(at + 4, false);
  return high > MAX_SAFE_HIGH ? Number.POSITIVE_INFINITY : high * TWO_POW_32 + low;
}

/** Reads a u64 little-endian at `at` as a number; values above 2^53 - 1 come back as `Infinity`. */
export function readU64LE(view: DataView, at: number): number {
  const low = view.getUint32(at, true);
  const high = view.getUint32(at + 4, true);
  return high > MAX_SAFE_HIGH ? Number.POSITIVE_INFINITY : high * TWO_POW_32 + low;
}

/** Reads a u64 big-endian at `at` exactly, as a bigint (for bit fields). */
export function readU64BEBig(view: DataView, at: number): bigint {
  return view.getBigUint64(at, false);
}

/** Reads a u64 little-endian at `at` exactly, as a bigint (for bit fields). */
export function readU64LEBig(view: DataView, at: number): bigint {
  return view.getBigUint64(at, true);
}

/** Writes a u16 big-endian at `at`. */
export function writeU16BE(view: DataView, at: number, value: number): void {
  view.setUint16(at, value, false);
}

/** Writes a u32 big-endian at `at`. */
export function writeU32BE(view: DataView, at: number, value: number): void {
  view.setUint32(at, value, false);
}

/** Writes a non-negative safe integer as a u64 big-endian at `at`. */
export function writeU64BE(view: DataView, at: number, value: number): void {
  view.setUint32(at, Math.floor(value / TWO_POW_32), false);
  view.setUint32(at + 4, value % TWO_POW_32, false);
}

/** Writes a bigint as a u64 big-endian at `at` (for entries with flag bits). */
export function writeU64BEBig(view: DataView, at: number, value: bigint): void {
  view.setBigUint64(at, value, false);
}

/** Reads an ASCII string of `length` bytes at `at` (bytes above 0x7f map to U+0080..U+00FF). */
export function readAscii(bytes: Uint8Array, at: number, length: number): string {
  let text = '';
  for (let i = at; i < at + length && i < bytes.byteLength; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}

/** True when `bytes` at `at` spell `text` (ASCII). */
export function hasAscii(bytes: Uint8Array, at: number, text: string): boolean {
  if (at + text.length > bytes.byteLength) return false;
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** True when every byte of `bytes` is zero (the engine's check). */
export { isAllZero } from '../../engine/zero-runs.ts';
