/**
 * Running synchronous reader code over a `Blob` (a `File` from the page, or an OPFS file's
 * `getFile()`, which needs no sync access handle): the code runs over a `SyncFile` holding only
 * the pieces fetched so far; a read outside them throws `BlobPieceMissingError`, the piece is
 * fetched and the code runs again (the readers' requests are restartable). Meant for code that
 * reads a few small pieces (a format probe, a header): the number of rounds is capped.
 */
import type { FileRange, SyncFile } from '../../src/engine/sync-file.ts';
import { QedIoError, QedReadOnlyError } from '../../src/qed/errors.ts';

/** Pieces are fetched in whole blocks of this many bytes. */
const PIECE_BLOCK_BYTES = 64 * 1024;
/** Most pieces one run may fetch before giving up. */
const MAX_ROUNDS = 32;

/** A read needed bytes of the blob that are not fetched yet (internal to `runOverBlob`). */
class BlobPieceMissingError extends QedIoError {
  override name = 'BlobPieceMissingError';
  readonly at: number;
  readonly length: number;
  constructor(at: number, length: number) {
    super(`bytes ${at}-${at + length} of the file are not fetched yet`);
    this.at = at;
    this.length = length;
  }
}

/** A piece of the blob: `bytes` at offset `at`. */
interface Piece {
  at: number;
  bytes: Uint8Array;
}

/**
 * Runs `action` over a read-only view of `blob` until it no longer needs a piece that is not
 * fetched, fetching `prefetch` ranges first. Returns what `action` returns; rethrows its other
 * errors; throws `QedIoError` after `MAX_ROUNDS` fetches. The view is valid only during `action`.
 */
export async function runOverBlob<T>(blob: Blob, action: (file: SyncFile) => T, prefetch: ReadonlyArray<{ at: number; length: number }> = []): Promise<T> {
  const pieces: Piece[] = [];
  for (const range of prefetch) pieces.push(await fetchPiece(blob, range.at, range.length));
  for (let round = 0; ; round++) {
    try {
      return action(new PiecesView(blob.size, pieces));
    } catch (error) {
      if (!(error instanceof BlobPieceMissingError)) throw error;
      if (round >= MAX_ROUNDS) throw new QedIoError(`reading the file's metadata needed more than ${MAX_ROUNDS} separate pieces`);
      const start = Math.floor(error.at / PIECE_BLOCK_BYTES) * PIECE_BLOCK_BYTES;
      const end = Math.ceil((error.at + error.length) / PIECE_BLOCK_BYTES) * PIECE_BLOCK_BYTES;
      pieces.push(await fetchPiece(blob, start, end - start));
    }
  }
}

/** `length` bytes of `blob` at `at` (fewer at its end). */
async function fetchPiece(blob: Blob, at: number, length: number): Promise<Piece> {
  const start = Math.max(0, Math.min(at, blob.size));
  return { at: start, bytes: new Uint8Array(await blob.slice(start, Math.min(blob.size, start + length)).arrayBuffer()) };
}

/** A read-only `SyncFile` of `size` bytes of which only `pieces` are known. */
class PiecesView implements SyncFile {
  readonly #size: number;
  readonly #pieces: readonly Piece[];

  constructor(size: number, pieces: readonly Piece[]) {
    this.#size = size;
    this.#pieces = pieces;
  }

  read(buffer: Uint8Array, { at }: FileRange): number {
    if (at >= this.#size) return 0;
    const length = Math.min(buffer.byteLength, this.#size - at);
    const piece = this.#pieces.find((candidate) => at >= candidate.at && at + length <= candidate.at + candidate.bytes.byteLength);
    if (!piece) throw new BlobPieceMissingError(at, length);
    buffer.set(piece.bytes.subarray(at - piece.at, at - piece.at + length));
    return length;
  }

  write(): number {
    throw new QedReadOnlyError('a view of a Blob is read-only');
  }

  getSize(): number {
    return this.#size;
  }

  truncate(): void {
    throw new QedReadOnlyError('a view of a Blob is read-only');
  }

  flush(): void {}

  close(): void {}
}
