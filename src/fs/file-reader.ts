/** Chunked reading on top of a `FileReader`, shared by every file system. */
import type { FileReader } from './file-system.ts';

/** The bytes of `reader` in chunks of at most `chunkBytes` (at least 1), each a new buffer the caller owns. */
export function* chunksOf(reader: FileReader, chunkBytes: number): Generator<Uint8Array, void, void> {
  const step = Math.max(1, Math.floor(chunkBytes));
  for (let offset = 0; offset < reader.size; offset += step) {
    const chunk = new Uint8Array(Math.min(step, reader.size - offset));
    reader.read(offset, chunk);
    yield chunk;
  }
}
