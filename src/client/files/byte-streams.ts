/**
 * Page-side streams of the files API: a file read from the worker in chunks, a zip archive pulled
 * from the worker piece by piece, and turning what the caller gives into a `Blob` the worker
 * reads from (Blobs cross to the worker by reference; the browser keeps large ones out of the
 * page's memory).
 */
import { QedArgumentError } from '../../qed/errors.ts';
import type { FileIdentity, ReadChunk } from '../../protocol/files.ts';

/** Reads chunk `[offset, offset + length)` of the file, expecting version `expected` (null for the first). */
export type ChunkReader = (offset: number, length: number, expected: FileIdentity | null) => Promise<ReadChunk>;

/** Default bytes per chunk of a file read. */
export const DEFAULT_CHUNK_BYTES = 1024 * 1024;
/** Largest chunk a read asks the worker for. */
export const MAX_CHUNK_BYTES = 16 * 1024 * 1024;

/** `chunkBytes` checked (default `DEFAULT_CHUNK_BYTES`). */
export function checkedChunkBytes(chunkBytes: number | undefined): number {
  const value = chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_CHUNK_BYTES) throw new QedArgumentError(`chunkBytes must be a whole number from 1 to ${MAX_CHUNK_BYTES}, got ${String(chunkBytes)}`);
  return value;
}

/** The chunks of a file, in order; every chunk after the first must come from the same version (`FilesChangedError` otherwise). */
export async function* fileChunks(read: ChunkReader, chunkBytes: number): AsyncGenerator<Uint8Array<ArrayBuffer>, void, void> {
  let offset = 0;
  let identity: FileIdentity | null = null;
  for (;;) {
    const chunk: ReadChunk = await read(offset, chunkBytes, identity);
    identity ??= chunk.file;
    if (chunk.bytes.byteLength > 0) yield chunk.bytes;
    offset += chunk.bytes.byteLength;
    if (chunk.bytes.byteLength === 0 || offset >= identity.size) return;
  }
}

/** A `ReadableStream` over an async iterator of byte chunks (pulled one at a time; `cancel` ends the iterator). */
export function streamOf(chunks: AsyncGenerator<Uint8Array<ArrayBuffer>, void, void>): ReadableStream<Uint8Array<ArrayBuffer>> {
  return new ReadableStream<Uint8Array<ArrayBuffer>>(
    {
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel() {
        await chunks.return(undefined);
      },
    },
    { highWaterMark: 1 },
  );
}

/** Collects chunks into one `Blob`, combining as it goes so the page does not keep every chunk. */
export async function blobOf(chunks: AsyncIterable<Uint8Array<ArrayBuffer>>, type = ''): Promise<Blob> {
  const combineBytes = 16 * 1024 * 1024;
  let blob = new Blob([], { type });
  let pending: Uint8Array<ArrayBuffer>[] = [];
  let pendingBytes = 0;
  for await (const chunk of chunks) {
    pending.push(chunk);
    pendingBytes += chunk.byteLength;
    if (pendingBytes >= combineBytes) {
      blob = new Blob([blob, ...pending], { type });
      pending = [];
      pendingBytes = 0;
    }
  }
  return pending.length === 0 ? blob : new Blob([blob, ...pending], { type });
}

/** What `writeFile` takes: a `Blob` or `File`, bytes, or a stream of bytes. */
export type FileData = Blob | ArrayBuffer | ArrayBufferView | ReadableStream<Uint8Array>;

/** `data` as a `Blob` (bytes are copied; a stream is read to its end first). `QedArgumentError` for anything else. */
export async function blobFromData(data: FileData): Promise<Blob> {
  if (data instanceof Blob) return data;
  if (data instanceof ArrayBuffer) return new Blob([data.slice(0)]);
  if (ArrayBuffer.isView(data)) return new Blob([new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice()]);
  if (data instanceof ReadableStream) return new Response(data).blob();
  throw new QedArgumentError('file data must be a Blob, a File, an ArrayBuffer, a typed array or a ReadableStream of bytes');
}
