/**
 * The flattened export: a new standalone QED file holding everything a disk shows (its overlay,
 * its snapshots and its base merged), written to `NAME.export` in OPFS. Ranges that read as zeros
 * without a base are skipped; all-zero clusters stay unallocated, so the file holds only data.
 */
import { OpfsFile } from '../src/backends/opfs-file.ts';
import { EXPORT_SUFFIX } from '../src/protocol/base-names.ts';
import { validateDiskName } from '../src/protocol/disk-name.ts';
import { QedImage } from '../src/engine/qed-image.ts';
import type { BackingChain } from './backing-chain.ts';
import { type ImportProgress, writeNonZeroClusters } from './disk-import.ts';
import { removeFile } from './opfs-folder.ts';

/** Guest bytes read per step (then rounded up to whole clusters). */
const FLATTEN_STEP_BYTES = 4 * 1024 * 1024;

/**
 * Writes the flattened contents of `image` (disk `name`, reading through `chain`) to
 * `NAME.export` in `folder`, replacing the previous export, and returns it as a `File` named
 * `NAME-flat.qed`. `progress` gets guest bytes done and in all after each step. The caller keeps
 * the disk's queue for the whole export, so the result is one consistent state.
 */
export async function exportFlattened(folder: FileSystemDirectoryHandle, name: string, image: QedImage, chain: BackingChain, progress: ImportProgress): Promise<File> {
  const fileName = `${validateDiskName(name)}${EXPORT_SUFFIX}`;
  await removeFile(folder, fileName);
  const handle = await folder.getFileHandle(fileName, { create: true });
  const file = await OpfsFile.open(handle);
  let out: QedImage;
  try {
    out = QedImage.create(file, { size: image.size, clusterSize: image.geometry.clusterSize, tableSize: image.geometry.tableSize });
  } catch (error) {
    file.close();
    throw error;
  }
  try {
    await copyVisibleData(image, chain, out, progress);
    out.close();
  } catch (error) {
    out.close();
    await removeFile(folder, fileName).catch(() => false);
    throw error;
  }
  return new File([await handle.getFile()], `${name}-flat.qed`, { type: 'application/octet-stream' });
}

/** Copies every range of `image` that may hold data into `out`, step by step, reporting progress. */
async function copyVisibleData(image: QedImage, chain: BackingChain, out: QedImage, progress: ImportProgress): Promise<void> {
  const cs = image.geometry.clusterSize;
  const step = Math.ceil(FLATTEN_STEP_BYTES / cs) * cs;
  const total = image.size;
  let reported = 0;
  const report = async (done: number): Promise<void> => {
    if (done - reported < step && done < total) return; // about one report per step
    reported = done;
    await progress(done, total);
  };
  for (const extent of image.map()) {
    const end = extent.start + extent.length;
    const mayHoldData = extent.kind === 'data' || (extent.kind === 'unallocated' && extent.fromBacking === true);
    for (let at = extent.start; mayHoldData && at < end; at += step) {
      const length = Math.min(step, end - at);
      const bytes = await chain.run(() => image.read(at, length));
      writeNonZeroClusters(out, bytes, at);
      await report(at + length);
    }
    await report(end);
  }
}
