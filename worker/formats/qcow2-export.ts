/**
 * The qcow2 export of an open disk: a new standalone qcow2 file (version 3) holding everything
 * the disk shows (its overlay, snapshots and base merged), written front to back by the formats
 * layer's `Qcow2Writer` into `NAME.export` in OPFS (replacing the disk's last flattened export).
 * Only ranges that may hold data are read; all-zero clusters stay unallocated; with `compressed`
 * each cluster is deflated. Reads of an HTTP base that wait on the network are retried through
 * the disk's backing chain, step by step.
 */
import { OpfsFile } from '../../src/backends/opfs-file.ts';
import type { QedImage } from '../../src/engine/qed-image.ts';
import { type DataRange, Qcow2Writer, alignRanges } from '../../src/formats/index.ts';
import { EXPORT_SUFFIX } from '../../src/protocol/base-names.ts';
import { validateDiskName } from '../../src/protocol/disk-name.ts';
import type { WorkerQcow2ExportOptions } from '../../src/protocol/worker-api.ts';
import type { BackingChain } from '../backing-chain.ts';
import { removeFile } from '../opfs-folder.ts';

/** Guest bytes read per step (rounded up to whole qcow2 clusters). */
const EXPORT_STEP_BYTES = 4 * 1024 * 1024;

/** Told the guest bytes examined so far out of those that may hold data. */
export type ExportProgress = (done: number, total: number) => Promise<void>;

/**
 * Writes `image` (disk `name`, reading through `chain`) as a qcow2 file `NAME.export` in `folder`
 * and returns it as a `File` named `NAME.qcow2`. The caller keeps the disk's queue for the whole
 * export, so the file is one consistent state. Throws `QedArgumentError` for a bad cluster size
 * and what reading the disk or writing OPFS throws; no partial file is left behind.
 */
export async function exportQcow2(folder: FileSystemDirectoryHandle, name: string, image: QedImage, chain: BackingChain, options: WorkerQcow2ExportOptions, progress: ExportProgress): Promise<File> {
  const fileName = `${validateDiskName(name)}${EXPORT_SUFFIX}`;
  await removeFile(folder, fileName);
  const handle = await folder.getFileHandle(fileName, { create: true });
  try {
    const file = await OpfsFile.open(handle);
    try {
      const writer = new Qcow2Writer(file, image.size, { compressed: options.compressed, clusterSize: options.clusterSize });
      await copyVisibleData(image, chain, writer, progress);
      writer.finish();
      file.flush();
    } finally {
      file.close();
    }
  } catch (error) {
    await removeFile(folder, fileName).catch(() => false);
    throw error;
  }
  return new File([await handle.getFile()], `${name}.qcow2`, { type: 'application/octet-stream' });
}

/** Feeds `writer` every range of `image` that may hold data, in guest order, reporting progress per step. */
async function copyVisibleData(image: QedImage, chain: BackingChain, writer: Qcow2Writer, progress: ExportProgress): Promise<void> {
  const cs = writer.clusterSize;
  const ranges = alignRanges(mayHoldData(image), cs, image.size);
  const total = ranges.reduce((sum, range) => sum + range.end - range.start, 0);
  const step = Math.ceil(EXPORT_STEP_BYTES / cs) * cs;
  let done = 0;
  for (const range of ranges) {
    for (let at = range.start; at < range.end; at += step) {
      const length = Math.min(step, range.end - at);
      const bytes = await chain.run(() => image.read(at, length));
      writer.write(at, bytes);
      done += length;
      await progress(done, total);
    }
  }
  if (total === 0) await progress(0, 0);
}

/** The ranges of `image` that are data in its overlay or read from its backing chain, merged. */
function mayHoldData(image: QedImage): DataRange[] {
  const ranges: DataRange[] = [];
  for (const extent of image.map()) {
    if (!(extent.kind === 'data' || (extent.kind === 'unallocated' && extent.fromBacking === true))) continue;
    const last = ranges[ranges.length - 1];
    const end = extent.start + extent.length;
    if (last && last.end === extent.start) last.end = end;
    else ranges.push({ start: extent.start, end });
  }
  return ranges;
}
