/**
 * File data waiting for the commit of an operation: where it goes on the device and where it
 * comes from (a buffer, or a `DataSource` read in chunks at commit time, so a large file is never
 * held in memory twice). Written first in the commit, before any metadata points at it.
 */
import type { BlockDevice } from './block-device.ts';
import type { DataSource } from './file-system.ts';

/** Bytes copied per device write when the data comes from a `DataSource`. */
const CHUNK_BYTES = 1024 * 1024;

/** A `DataSource` over a buffer (kept, not copied). */
export function bufferSource(bytes: Uint8Array): DataSource & { bytes: Uint8Array } {
  return { bytes, size: bytes.length, read: (offset, target) => target.set(bytes.subarray(offset, offset + target.length)) };
}

/** `data` as a source. */
export function asSource(data: Uint8Array | DataSource): DataSource {
  return data instanceof Uint8Array ? bufferSource(data) : data;
}

interface Piece {
  offset: number;
  source: DataSource;
  from: number;
  length: number;
  /** Bytes of zeros after the data (to the end of the last block or cluster). */
  padding: number;
}

/** The data writes of one operation. */
export class PendingData {
  #pieces: Piece[] = [];

  /** Queues `length` bytes of `source` from `from` for device byte `offset`, then `padding` zeros. */
  add(offset: number, source: DataSource, from: number, length: number, padding = 0): void {
    this.#pieces.push({ offset, source, from, length, padding });
  }

  /** True when nothing is queued. */
  get empty(): boolean {
    return this.#pieces.length === 0;
  }

  /** Writes every piece with `write`, in order, then forgets them. */
  writeAll(device: BlockDevice, write: NonNullable<BlockDevice['write']>): void {
    let chunk: Uint8Array | null = null;
    for (const piece of this.#pieces) {
      const direct = 'bytes' in piece.source && piece.source.bytes instanceof Uint8Array ? piece.source.bytes : null;
      if (direct) {
        write.call(device, piece.offset, direct.subarray(piece.from, piece.from + piece.length));
      } else {
        chunk ??= new Uint8Array(CHUNK_BYTES);
        for (let done = 0; done < piece.length; done += CHUNK_BYTES) {
          const part = chunk.subarray(0, Math.min(CHUNK_BYTES, piece.length - done));
          piece.source.read(piece.from + done, part);
          write.call(device, piece.offset + done, part);
        }
      }
      if (piece.padding > 0) write.call(device, piece.offset + piece.length, new Uint8Array(piece.padding));
    }
    this.#pieces = [];
  }

  /** Drops everything queued. */
  clear(): void {
    this.#pieces = [];
  }
}
