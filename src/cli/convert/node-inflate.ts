/**
 * Node's zlib as the fast path for deflate-compressed qcow2 clusters (several times faster than
 * the portable decoder). It stops once a cluster's worth is produced (`maxOutputLength`); any
 * stream it cannot turn into exactly one cluster goes to the portable, bounded decoder, which
 * applies QEMU's rules and gives the typed error.
 */
import { constants, inflateRawSync } from 'node:zlib';

/** Fills `output` from the raw DEFLATE stream in `input`; returns the bytes produced, or null when zlib refused the stream. */
export function nodeInflateRaw(input: Uint8Array, output: Uint8Array): number | null {
  try {
    const produced = inflateRawSync(input, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: output.byteLength });
    output.set(produced);
    return produced.byteLength;
  } catch {
    // Invalid data or more than a cluster: the portable decoder decides what that means.
    return null;
  }
}
