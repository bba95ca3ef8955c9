/**
 * Filling a new OPFS file from a `Blob`, streamed in chunks: a raw image becomes a sparse QED
 * image (all-zero clusters stay unallocated); a file starting with the QED magic is copied as it
 * is, then opened (repairing if its need-check bit is set) and checked; an overlay's base is not
 * needed for that, it is looked for when the disk is opened. With `keepRaw`, the bytes are kept as
 * they are, as a raw base for overlays.
 */
import { MemoryFile } from '../src/backends/memory-file.ts';
import type { OpfsFile } from '../src/backends/opfs-file.ts';
import { QedImage } from '../src/engine/qed-image.ts';
import { writeFully } from '../src/engine/sync-file.ts';
import { forEachDataRun } from '../src/engine/zero-runs.ts';
import type { ImportResult, WorkerImportOptions } from '../src/protocol/worker-api.ts';
import { SECTOR_SIZE_BYTES } from '../src/qed/constants.ts';
import { QedArgumentError, QedCorruptionError } from '../src/qed/errors.ts';
import { hasQedMagic } from '../src/qed/header.ts';

/** Bytes of the source read per step (a power of two, so cluster-aligned up to this size). */
const IMPORT_CHUNK_BYTES = 4 * 1024 * 1024;

/** Called after each chunk with bytes done and bytes in all. */
export type ImportProgress = (done: number, total: number) => Promise<void>;

/**
 * Fills `file` (empty, owned by the caller until this resolves) from `source` and returns the
 * open image, which then owns `file`. On failure `file` is closed.
 */
export async function importImage(file: OpfsFile, source: Blob, options: WorkerImportOptions, progress: ImportProgress): Promise<{ image: QedImage; result: ImportResult }> {
  if (source.size === 0) {
    file.close();
    throw new QedArgumentError('cannot import an empty file');
  }
  const isQed = hasQedMagic(new Uint8Array(await source.slice(0, 4).arrayBuffer()));
  let image: QedImage | null = null;
  try {
    if (isQed) {
      await copyChunks(source, progress, (chunk, at) => writeFully(file, chunk, at));
      // An overlay's base is found when the disk is opened; checking needs only the file itself.
      image = QedImage.open(file, { resolveBacking: () => new MemoryFile() });
      const report = image.check();
      if (report.corruptions > 0 || report.checkErrors > 0) {
        throw new QedCorruptionError(`the imported QED image has ${report.corruptions} corruptions and ${report.checkErrors} check errors`);
      }
    } else {
      const size = Math.ceil(source.size / SECTOR_SIZE_BYTES) * SECTOR_SIZE_BYTES;
      const created = QedImage.create(file, { size, clusterSize: options.clusterSize });
      image = created;
      await copyChunks(source, progress, (chunk, at) => writeNonZeroClusters(created, chunk, at));
    }
    return { image, result: { size: image.size, source: isQed ? 'qed' : 'raw', allocatedBytes: image.info().allocatedBytes, format: 'qed' } };
  } catch (error) {
    closeQuietly(image ?? file);
    throw error;
  }
}

/**
 * Fills `file` (empty, owned by the caller, left open) with the bytes of `source` as they are:
 * a raw base image to put overlays on.
 */
export async function importRawBase(file: OpfsFile, source: Blob, progress: ImportProgress): Promise<ImportResult> {
  if (source.size === 0) throw new QedArgumentError('cannot import an empty file');
  await copyChunks(source, progress, (chunk, at) => writeFully(file, chunk, at));
  file.flush();
  return { size: source.size, source: 'raw', allocatedBytes: source.size, format: 'raw' };
}

/** Reads `source` chunk by chunk, hands each to `sink` with its offset, and reports progress. */
export async function copyChunks(source: Blob, progress: ImportProgress, sink: (chunk: Uint8Array, at: number) => void): Promise<void> {
  for (let at = 0; at < source.size; at += IMPORT_CHUNK_BYTES) {
    const chunk = new Uint8Array(await source.slice(at, at + IMPORT_CHUNK_BYTES).arrayBuffer());
    sink(chunk, at);
    await progress(at + chunk.byteLength, source.size);
  }
}

/**
 * Writes the runs of clusters of `chunk` (at guest offset `at`, a multiple of the cluster size)
 * that hold a non-zero byte; zero ones stay unallocated. `chunk` is not kept.
 */
export function writeNonZeroClusters(image: QedImage, chunk: Uint8Array, at: number): void {
  forEachDataRun(chunk, image.geometry.clusterSize, (start, end) => image.write(at + start, chunk.subarray(start, end)));
}

/** Closes `closable`, ignoring a failure (the original error matters more). */
function closeQuietly(closable: { close(): void }): void {
  try {
    closable.close();
  } catch {
    // already failing; nothing more to report
  }
}
