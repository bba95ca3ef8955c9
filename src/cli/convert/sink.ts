/**
 * The output of `convert`: a new sparse QED image, a qcow2 image (optionally compressed) or a
 * sparse raw file. None is synced to stable storage (see `unsynced-file.ts`).
 */
import { deflateRawSync } from 'node:zlib';
import { NodeFile } from '../../backends/node-file.ts';
import { QedImage } from '../../engine/qed-image.ts';
import { writeFully } from '../../engine/sync-file.ts';
import { Qcow2Writer } from '../../formats/qcow2/writer.ts';
import { unsynced } from './unsynced-file.ts';

/** Granularity of hole detection for raw output, in bytes (as qemu-img convert's default). */
const RAW_BLOCK_BYTES = 4096;

/** Where converted bytes go. Regions never written read as zeros. */
export interface ConvertSink {
  /** Zero detection granularity in bytes: an all-zero block of this size is not written. */
  readonly blockSize: number;
  /** Writes `data` at guest `offset`; `data` is not kept. */
  write(data: Uint8Array, offset: number): void;
  /** Completes the output (size, flush) and closes it. */
  finish(): void;
  /** Closes the output after a failure, ignoring errors. */
  abandon(): void;
}

/** Geometry options of a QED output. */
export interface QedSinkOptions {
  /** Bytes per cluster, or the engine's default. */
  clusterSize?: number;
  /** Clusters per table, or the engine's default. */
  tableSize?: number;
}

/** Creates a QED image of `size` bytes at `path`; all-zero clusters are left unallocated. */
export function qedSink(path: string, size: number, options: QedSinkOptions): ConvertSink {
  const file = unsynced(NodeFile.open(path, 'create'));
  let image: QedImage;
  try {
    image = QedImage.create(file, { size, clusterSize: options.clusterSize, tableSize: options.tableSize });
  } catch (error) {
    file.close();
    throw error;
  }
  return {
    blockSize: image.geometry.clusterSize,
    write: (data, offset) => image.write(offset, data),
    finish: () => image.close(),
    abandon: () => closeQuietly(() => image.close()),
  };
}

/** Options of a qcow2 output. */
export interface Qcow2SinkOptions {
  /** Bytes per cluster, or the writer's default (64 KiB). */
  clusterSize?: number;
  /** Deflate each cluster, as `qemu-img convert -c`. */
  compressed?: boolean;
}

/** Creates a qcow2 image of `size` bytes at `path`; all-zero clusters are left unallocated. */
export function qcow2Sink(path: string, size: number, options: Qcow2SinkOptions): ConvertSink {
  const file = NodeFile.open(path, 'create');
  let writer: Qcow2Writer;
  try {
    writer = new Qcow2Writer(file, size, { ...options, deflate: (cluster) => deflateRawSync(cluster, { level: 6 }) });
  } catch (error) {
    file.close();
    throw error;
  }
  return {
    blockSize: writer.clusterSize,
    write: (data, offset) => writer.write(offset, data),
    finish: () => {
      writer.finish();
      file.close();
    },
    abandon: () => closeQuietly(() => file.close()),
  };
}

/** Creates a sparse raw file of `size` bytes at `path`: all-zero blocks become holes. */
export function rawSink(path: string, size: number): ConvertSink {
  const file = NodeFile.open(path, 'create');
  return {
    blockSize: RAW_BLOCK_BYTES,
    write: (data, offset) => writeFully(file, data, offset),
    finish: () => {
      file.truncate(size);
      file.close();
    },
    abandon: () => closeQuietly(() => file.close()),
  };
}

/** Runs `close`, swallowing its error: the failure being handled is the one to report. */
function closeQuietly(close: () => void): void {
  try {
    close();
  } catch {
    // Ignored on purpose.
  }
}
