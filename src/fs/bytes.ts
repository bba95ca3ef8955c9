/**
 * Little-endian field access on byte arrays, the only place in `src/fs` that assembles numbers
 * from bytes. 64-bit fields are returned as numbers and checked against 2^53.
 */
import { FsCorruptionError } from './errors.ts';

/** The u8 at `at`. */
export function u8(bytes: Uint8Array, at: number): number {
  return bytes[at] ?? 0;
}

/** The little-endian u16 at `at`. */
export function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8);
}

/** The little-endian u32 at `at`. */
export function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8) | ((bytes[at + 2] ?? 0) << 16) | ((bytes[at + 3] ?? 0) << 24)) >>> 0;
}

/** The little-endian u64 at `at` as a number; throws `FsCorruptionError` above 2^53 - 1. */
export function u64(bytes: Uint8Array, at: number, field = 'field'): number {
  return join64(u32(bytes, at + 4), u32(bytes, at), field);
}

/** `high * 2^32 + low`, checked to stay a safe integer. */
export function join64(high: number, low: number, field = 'field'): number {
  if (high > 0x1fffff) throw new FsCorruptionError(`${field} is larger than 2^53`);
  return high * 0x1_0000_0000 + low;
}

/** Stores the u8 `value` at `at`. */
export function setU8(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value & 0xff;
}

/** Stores the little-endian u16 `value` at `at`. */
export function setU16(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value & 0xff;
  bytes[at + 1] = (value >>> 8) & 0xff;
}

/** Stores the little-endian u32 `value` at `at`. */
export function setU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value & 0xff;
  bytes[at + 1] = (value >>> 8) & 0xff;
  bytes[at + 2] = (value >>> 16) & 0xff;
  bytes[at + 3] = (value >>> 24) & 0xff;
}

/** Stores the non-negative safe integer `value` as a little-endian u64 at `at`. */
export function setU64(bytes: Uint8Array, at: number, value: number): void {
  setU32(bytes, at, value % 0x1_0000_0000);
  setU32(bytes, at + 4, Math.floor(value / 0x1_0000_0000));
}

/** The low 32 bits of a non-negative safe integer. */
export function low32(value: number): number {
  return value % 0x1_0000_0000;
}

/** The bits above 32 of a non-negative safe integer. */
export function high32(value: number): number {
  return Math.floor(value / 0x1_0000_0000);
}

/** True when every byte of `bytes` is zero. */
export function isZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** ASCII/Latin-1 text of `bytes` up to the first NUL. */
export function latin1(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) {
    if (byte === 0) break;
    text += String.fromCharCode(byte);
  }
  return text;
}

/** True on little-endian hosts (all current JavaScript engines' platforms); typed-array views of on-disk little-endian tables are used only then. */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
