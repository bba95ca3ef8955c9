/**
 * `OpfsDisk.exportFile` options: checking what the page passed before anything crosses to the
 * worker, and the qcow2 export's options as the worker takes them.
 */
import { QedArgumentError } from '../qed/errors.ts';
import type { ExportFileOptions, Progress } from '../protocol/types.ts';
import type { WorkerQcow2ExportOptions } from '../protocol/worker-api.ts';

/** What `exportFile` should do: the `.qed` file itself, or a qcow2 export with these options. */
export type ExportPlan = { format: 'qed' } | { format: 'qcow2'; options: WorkerQcow2ExportOptions; onProgress: ((progress: Progress) => void) | undefined };

/**
 * The plan for `options` (as the page passed them: not trusted). Throws `QedArgumentError` for an
 * unknown format, qcow2 options with the QED format, and options of the wrong type.
 */
export function planExport(options: ExportFileOptions | undefined): ExportPlan {
  if (options === undefined) return { format: 'qed' };
  if (typeof options !== 'object' || options === null) throw new QedArgumentError('export options must be an object');
  const format = options.format ?? 'qed';
  if (format !== 'qed' && format !== 'qcow2') throw new QedArgumentError(`export format ${JSON.stringify(String(format))} must be 'qed' or 'qcow2'`);
  const { compressed, clusterSize, onProgress } = options;
  if (compressed !== undefined && typeof compressed !== 'boolean') throw new QedArgumentError('compressed must be a boolean');
  if (clusterSize !== undefined && (typeof clusterSize !== 'number' || !Number.isSafeInteger(clusterSize))) throw new QedArgumentError('clusterSize must be an integer number of bytes');
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new QedArgumentError('onProgress must be a function');
  if (format === 'qed') {
    if (compressed !== undefined || clusterSize !== undefined || onProgress !== undefined) throw new QedArgumentError("compressed, clusterSize and onProgress apply to format 'qcow2' only");
    return { format: 'qed' };
  }
  const workerOptions: WorkerQcow2ExportOptions = clusterSize === undefined ? { compressed: compressed ?? false } : { compressed: compressed ?? false, clusterSize };
  return { format: 'qcow2', options: workerOptions, onProgress };
}
