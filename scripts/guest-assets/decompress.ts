/**
 * Stream decompressors for the members of a .deb: gzip (Node's zlib), xz (`xz-decompress`:
 * xz-embedded built to WebAssembly, so no native add-on and the same code on every platform) and
 * zstd (`fzstd`, pure JavaScript). Each takes a byte stream and returns the decompressed stream;
 * an error anywhere reaches the returned stream.
 */
import { Readable, Transform, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import xzDecompress from 'xz-decompress';
import { GuestAssetsFormatError } from './errors.ts';

/** Compressions a .deb member (or an index) may use. */
export type Compression = 'gzip' | 'xz' | 'zstd' | 'none';

/** The compression a `data.tar*` member name says, or throws `GuestAssetsFormatError` (bzip2, lzma). */
export function compressionOfMember(name: string): Compression {
  if (name.endsWith('.tar')) return 'none';
  if (name.endsWith('.tar.gz')) return 'gzip';
  if (name.endsWith('.tar.xz')) return 'xz';
  if (name.endsWith('.tar.zst')) return 'zstd';
  throw new GuestAssetsFormatError(`${name}: unsupported compression (gzip, xz, zstd or none)`);
}

/** A Transform decompressing zstd frames with fzstd's streaming decoder. */
function zstdTransform(): Transform {
  let decoder: ZstdDecompress | undefined;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      decoder ??= new ZstdDecompress((data) => this.push(data));
      try {
        decoder.push(chunk);
        callback();
      } catch (error) {
        callback(new GuestAssetsFormatError(`zstd: ${(error as Error).message}`));
      }
    },
    flush(callback) {
      try {
        decoder?.push(new Uint8Array(0), true);
        callback();
      } catch (error) {
        callback(new GuestAssetsFormatError(`zstd: ${(error as Error).message}`));
      }
    },
  });
}

/** `source` decompressed as `compression`. Destroying the result destroys `source` too. */
export function decompressStream(source: Readable, compression: Compression): Readable {
  const done = () => {};
  switch (compression) {
    case 'none':
      return source;
    case 'gzip':
      return pipeline(source, createGunzip(), done);
    case 'zstd':
      return pipeline(source, zstdTransform(), done);
    case 'xz': {
      const web = Readable.toWeb(source) as ReadableStream<Uint8Array>;
      const output = Readable.fromWeb(new xzDecompress.XzReadableStream(web) as import('node:stream/web').ReadableStream<Uint8Array>);
      output.once('close', () => source.destroy());
      return output;
    }
  }
}
