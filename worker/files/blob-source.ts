/**
 * A `DataSource` over a `Blob` (a `File` the page chose, bytes it sent, a stream it collected) for
 * the disk worker: the file system reads it in chunks while a write commits, synchronously, with
 * the worker's `FileReaderSync`, so a large file is never held in the worker's memory whole.
 */
import type { DataSource } from '../../src/fs/file-system.ts';
import { QedArgumentError, QedIoError } from '../../src/qed/errors.ts';

/** What the worker's `FileReaderSync` offers (looked up at run time: the page's DOM typings lack it). */
interface SyncBlobReader {
  readAsArrayBuffer(blob: Blob): ArrayBuffer;
}

/** A source reading `blob` in the chunks the file system asks for. `QedArgumentError` when `blob` is not a Blob. */
export function blobSource(blob: unknown): DataSource {
  if (!(blob instanceof Blob)) throw new QedArgumentError('file data must reach the worker as a Blob');
  const readerClass: unknown = Reflect.get(globalThis, 'FileReaderSync');
  if (typeof readerClass !== 'function') throw new QedIoError('this worker cannot read Blobs synchronously (FileReaderSync is missing)');
  const reader = Reflect.construct(readerClass, []) as SyncBlobReader;
  return {
    size: blob.size,
    read(offset: number, target: Uint8Array): void {
      let buffer: ArrayBuffer;
      try {
        buffer = reader.readAsArrayBuffer(blob.slice(offset, offset + target.byteLength));
      } catch (error) {
        throw new QedIoError(`the file's data could not be read (${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}); was the file changed or removed?`);
      }
      if (buffer.byteLength !== target.byteLength) throw new QedIoError(`the file's data ended early: ${buffer.byteLength} of ${target.byteLength} bytes at ${offset}`);
      target.set(new Uint8Array(buffer));
    },
  };
}
