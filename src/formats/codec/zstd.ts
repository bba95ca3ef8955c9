/**
 * Bounded Zstandard decoding of one qcow2 compressed cluster (fzstd underneath). qcow2 stores
 * a cluster as one zstd frame followed by unrelated bytes up to the end of its last sector, so
 * the frame's extent is found first by walking its block headers; the walk also refuses what
 * would let a hostile frame allocate or produce much (a window over `MAX_WINDOW_BYTES`,
 * blocks over 128 KiB, a declared content size other than the cluster size). Decoding then
 * goes block by block and stops with an error as soon as the output would pass the cluster.
 */
import { Decompress } from 'fzstd';
import { QedError } from '../../qed/errors.ts';
import { ImageCorruptionError, ImageUnsupportedError } from '../errors.ts';

/** Largest window a frame may ask for (zstd levels up to 19 stay within 8 MiB). */
export const MAX_WINDOW_BYTES = 8 * 1024 * 1024;

/** Largest block a frame may hold, by the zstd format (RFC 8878, Block_Maximum_Size). */
const MAX_BLOCK_BYTES = 128 * 1024;

/** Bytes of the frame magic 0xFD2FB528, little-endian. */
const FRAME_MAGIC = [0x28, 0xb5, 0x2f, 0xfd] as const;

/** What walking a frame's headers found. */
export interface ZstdFrameExtent {
  /** Bytes from the start of the input to the end of the frame (checksum included). */
  frameBytes: number;
  /** The declared content size, or null when the frame does not declare one. */
  contentSize: number | null;
  /** The window the decoder must keep, in bytes. */
  windowBytes: number;
}

/**
 * Walks the zstd frame at the start of `input` (RFC 8878 section 3.1.1) without decoding it.
 * Throws `ImageCorruptionError` for a malformed or truncated frame and `ImageUnsupportedError`
 * for dictionaries or windows over `MAX_WINDOW_BYTES`.
 */
export function scanZstdFrame(input: Uint8Array, what: string): ZstdFrameExtent {
  const bad = (detail: string): never => {
    throw new ImageCorruptionError(`${what}: ${detail}`);
  };
  if (input.byteLength < 6 || FRAME_MAGIC.some((byte, i) => input[i] !== byte)) bad('not a zstd frame');
  const descriptor = input[4]!;
  const contentSizeFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const hasChecksum = (descriptor >> 2) & 1;
  const dictionaryFlag = descriptor & 3;
  if (descriptor & 0x08) bad('zstd frame header has its reserved bit set');
  if (dictionaryFlag !== 0) throw new ImageUnsupportedError(`${what}: zstd frames with a dictionary are not supported`);
  let at = 5;
  let windowBytes = 0;
  if (!singleSegment) {
    const windowDescriptor = input[at++]!;
    const base = 2 ** (10 + (windowDescriptor >> 3));
    windowBytes = base + (base / 8) * (windowDescriptor & 7);
  }
  const sizeBytes = contentSizeFlag === 0 ? singleSegment : 1 << contentSizeFlag;
  if (at + sizeBytes > input.byteLength) bad('zstd frame header is truncated');
  let contentSize: number | null = null;
  if (sizeBytes > 0) {
    let value = 0;
    for (let i = sizeBytes - 1; i >= 0; i--) value = value * 256 + input[at + i]!;
    contentSize = sizeBytes === 2 ? value + 256 : value;
    at += sizeBytes;
  }
  if (singleSegment) windowBytes = contentSize ?? 0;
  if (windowBytes > MAX_WINDOW_BYTES) throw new ImageUnsupportedError(`${what}: zstd window of ${windowBytes} bytes is over the ${MAX_WINDOW_BYTES}-byte limit`);
  const blockLimit = Math.min(MAX_BLOCK_BYTES, Math.max(windowBytes, 1));
  for (;;) {
    if (at + 3 > input.byteLength) bad('zstd frame is truncated');
    const header = input[at]! | (input[at + 1]! << 8) | (input[at + 2]! << 16);
    at += 3;
    const last = header & 1;
    const type = (header >> 1) & 3;
    const size = header >>> 3;
    if (type === 3) bad('zstd block has the reserved type');
    if (size > blockLimit) bad(`zstd block of ${size} bytes is over the ${blockLimit}-byte limit`);
    at += type === 1 ? 1 : size;
    if (at > input.byteLength) bad('zstd frame is truncated');
    if (last) break;
  }
  if (hasChecksum) at += 4;
  if (at > input.byteLength) bad('zstd frame is truncated');
  return { frameBytes: at, contentSize, windowBytes };
}

/**
 * Decodes the zstd frame at the start of `input` into `output`, which it must fill exactly (as
 * QEMU requires of a compressed cluster). Throws `ImageCorruptionError` otherwise.
 */
export function zstdDecompressInto(input: Uint8Array, output: Uint8Array, what: string): void {
  const frame = scanZstdFrame(input, what);
  if (frame.contentSize !== null && frame.contentSize !== output.byteLength) {
    throw new ImageCorruptionError(`${what}: zstd frame declares ${frame.contentSize} bytes, not ${output.byteLength}`);
  }
  let produced = 0;
  const decoder = new Decompress((chunk) => {
    if (produced + chunk.byteLength > output.byteLength) throw new ImageCorruptionError(`${what}: zstd data decompresses past ${output.byteLength} bytes`);
    output.set(chunk, produced);
    produced += chunk.byteLength;
  });
  try {
    decoder.push(input.subarray(0, frame.frameBytes), true);
  } catch (error) {
    if (error instanceof QedError) throw error;
    throw new ImageCorruptionError(`${what}: invalid zstd data (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  if (produced !== output.byteLength) throw new ImageCorruptionError(`${what}: zstd data ends after ${produced} of ${output.byteLength} bytes`);
}
