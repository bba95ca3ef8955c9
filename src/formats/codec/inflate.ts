/**
 * Bounded DEFLATE decoding for compressed clusters and grains (fflate underneath). The input is
 * fed to the decoder in small pieces and decoding stops as soon as the output is full, so a
 * hostile stream can never make more than `output.length` bytes plus one piece's worth of work
 * (at most `INPUT_PIECE_BYTES` x 1032, the largest DEFLATE expansion).
 */
import { Inflate } from 'fflate';
import { QedError } from '../../qed/errors.ts';
import { ImageCorruptionError } from '../errors.ts';

/** Compressed bytes handed to the decoder per step. */
const INPUT_PIECE_BYTES = 8 * 1024;

/** Thrown inside the decoder's callback when a stream produces more than its output holds. */
class OutputFull extends Error {}

/**
 * A faster raw DEFLATE decoder a host may offer (Node's zlib, say): fills `output` from the
 * stream at the start of `input` and returns the bytes produced, or null when it cannot. Only an
 * answer of exactly `output.length` bytes is used; anything else falls back to the bounded
 * decoder here, which decides (and gives the typed error).
 */
export type RawInflateFastPath = (input: Uint8Array, output: Uint8Array) => number | null;

/** Counters `inflateRawInto` fills in when given them. */
export interface InflateStats {
  /** Compressed bytes handed to the decoder. */
  inputBytes: number;
}

/**
 * Decodes the raw DEFLATE stream at the start of `input` into `output`, stopping when `output`
 * is full (bytes after that, and anything after the stream's end, are ignored). Returns the
 * bytes produced. Throws `ImageCorruptionError` when the stream is invalid, or when `exact` and
 * it ends before filling `output` (a qcow2 compressed cluster must inflate to a whole cluster).
 */
export function inflateRawInto(input: Uint8Array, output: Uint8Array, what: string, exact = true, stats?: InflateStats): number {
  let produced = 0;
  const decoder = new Inflate((chunk) => {
    const room = output.byteLength - produced;
    output.set(chunk.byteLength <= room ? chunk : chunk.subarray(0, room), produced);
    produced += Math.min(chunk.byteLength, room);
  });
  try {
    for (let at = 0; at < input.byteLength && produced < output.byteLength; at += INPUT_PIECE_BYTES) {
      const end = Math.min(input.byteLength, at + INPUT_PIECE_BYTES);
      if (stats) stats.inputBytes += end - at;
      decoder.push(input.subarray(at, end), end === input.byteLength);
    }
  } catch (error) {
    if (error instanceof QedError) throw error;
    if (produced < output.byteLength || !exact) throw new ImageCorruptionError(`${what}: invalid DEFLATE data (${describe(error)})`, { cause: error });
  }
  if (exact && produced < output.byteLength) {
    throw new ImageCorruptionError(`${what}: DEFLATE data ends after ${produced} of ${output.byteLength} bytes`);
  }
  return produced;
}

/**
 * Decodes the zlib stream (RFC 1950: header, DEFLATE data, Adler-32) at the start of `input`
 * into `output`, which it must not overflow. With `exactLength`, the stream is exactly
 * `input.length` bytes and its Adler-32 is checked; without, bytes after the DEFLATE data are
 * ignored. Returns the bytes produced. Throws `ImageCorruptionError`. Used for VMDK grains.
 */
export function inflateZlibInto(input: Uint8Array, output: Uint8Array, what: string, exactLength = true): number {
  const cmf = input[0] ?? 0;
  const flg = input[1] ?? 0;
  if (input.byteLength < 6 || (cmf & 0x0f) !== 8 || cmf >> 4 > 7 || (cmf * 256 + flg) % 31 !== 0 || (flg & 0x20) !== 0) {
    throw new ImageCorruptionError(`${what}: not a zlib stream`);
  }
  let produced = 0;
  let overflow = false;
  const decoder = new Inflate((chunk) => {
    if (produced + chunk.byteLength > output.byteLength) {
      overflow = true;
      throw new OutputFull();
    }
    output.set(chunk, produced);
    produced += chunk.byteLength;
  });
  const body = input.subarray(2, exactLength ? input.byteLength - 4 : input.byteLength);
  try {
    for (let at = 0; at < body.byteLength; at += INPUT_PIECE_BYTES) {
      const end = Math.min(body.byteLength, at + INPUT_PIECE_BYTES);
      decoder.push(body.subarray(at, end), end === body.byteLength);
    }
    if (body.byteLength === 0) decoder.push(body, true);
  } catch (error) {
    if (error instanceof QedError) throw error;
    if (overflow) throw new ImageCorruptionError(`${what}: zlib data inflates past ${output.byteLength} bytes`);
    throw new ImageCorruptionError(`${what}: invalid zlib data (${describe(error)})`, { cause: error });
  }
  if (!exactLength) return produced;
  const tail = input.byteLength - 4;
  const stored = ((input[tail]! << 24) | (input[tail + 1]! << 16) | (input[tail + 2]! << 8) | input[tail + 3]!) >>> 0;
  if (adler32(output.subarray(0, produced)) !== stored) throw new ImageCorruptionError(`${what}: zlib checksum mismatch`);
  return produced;
}

/** The Adler-32 checksum of `bytes` (RFC 1950). */
export function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  const BLOCK = 5552; // largest run before the sums can overflow 2^32 (as in RFC 1950's note)
  for (let start = 0; start < bytes.byteLength; start += BLOCK) {
    const end = Math.min(bytes.byteLength, start + BLOCK);
    for (let i = start; i < end; i++) {
      a += bytes[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
