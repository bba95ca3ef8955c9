/**
 * Importing a file the page gives (`DiskWorkerApi.importDisk`) into the qedisk OPFS folder, once
 * the name's lock is held. The format is probed from the file's bytes:
 * - raw (and a fixed VHD's data) and QED are streamed in one pass (`disk-import.ts`);
 * - qcow2, VMDK, dynamic VHD, VHDX and VDI are first copied into a temporary OPFS file (a `Blob`
 *   cannot be read synchronously), then read through their format's reader into a new QED image,
 *   leaving zero and unallocated runs unallocated; the copy is removed on every path;
 * - with `keepAsBase`, such an image is kept as it is (`NAME.qcow2`, ...) after its reader has
 *   opened it, a raw image or a fixed VHD's data as the raw base `NAME.raw`.
 * Everything is written under a temporary name and renamed into place once complete.
 */
import { OpfsFile } from '../../src/backends/opfs-file.ts';
import { writeFully } from '../../src/engine/sync-file.ts';
import type { ImageFormat } from '../../src/formats/index.ts';
import { type KeptImageFormat, keptBaseFileNames, keptImageFileName, rawBaseFileName } from '../../src/protocol/base-names.ts';
import { DiskExistsError } from '../../src/protocol/errors.ts';
import { diskFileName } from '../../src/protocol/disk-name.ts';
import type { ImportProgress } from '../../src/protocol/types.ts';
import type { ImportProgressCallback, ImportResult, WorkerImportOptions } from '../../src/protocol/worker-api.ts';
import { QedArgumentError } from '../../src/qed/errors.ts';
import { copyChunks, importImage, importRawBase } from '../disk-import.ts';
import { diskFolder, findFile, removeFile, renameFile } from '../opfs-folder.ts';
import { probeBlob } from './blob-probe.ts';
import { convertToQed } from './convert-image.ts';
import { openStandaloneImage } from './open-source-image.ts';

/** Suffix of the temporary file an import writes before renaming it into place. */
export const IMPORT_TEMP_SUFFIX = '.importing';
/** Suffix of the temporary copy of a source file that is read through its format's reader. */
const SOURCE_COPY_SUFFIX = '.import-source';

/** Reports one phase's progress: bytes done and in all. */
type PhaseReport = (done: number, total: number) => Promise<void>;

/**
 * Imports `source` as disk (or base) `name`, whose lock the caller holds. Rejects with
 * `DiskExistsError` when a disk or base of that name exists, `QedArgumentError` for an empty
 * file, `ImportBackingFileError` for an image with a backing file, the formats' typed errors for
 * images that cannot be read, and storage errors (`QedQuotaError`, ...). Leaves no file behind
 * when it fails.
 */
export async function importUnderLock(name: string, source: Blob, options: WorkerImportOptions, onProgress?: ImportProgressCallback): Promise<ImportResult> {
  const folder = await diskFolder();
  for (const taken of [diskFileName(name), ...keptBaseFileNames(name)]) if (await findFile(folder, taken)) throw new DiskExistsError(name);
  await removeFile(folder, name + SOURCE_COPY_SUFFIX); // left by an import a closed page did not finish
  if (source.size === 0) throw new QedArgumentError('cannot import an empty file');
  const report = (phase?: ImportProgress['phase']): PhaseReport => async (done, total) => {
    await Promise.resolve(onProgress?.(phase === undefined ? { done, total } : { done, total, phase })).catch(() => undefined);
  };
  if (options.keepRaw) return intoNewFile(folder, rawBaseFileName(name), (file) => keepRaw(file, source, report()));
  const probe = await probeBlob(source);
  if (probe.format === 'qed' || probe.format === 'raw' || probe.fixedVhd) {
    const data = probe.fixedVhd ? source.slice(0, source.size - 512) : source;
    const kind = probe.format === 'qed' ? 'qed' : 'raw';
    if (options.keepAsBase && kind === 'raw') return intoNewFile(folder, rawBaseFileName(name), (file) => keepRaw(file, data, report()), probe.format);
    return intoNewFile(folder, diskFileName(name), async (file) => {
      const { image, result } = await importImage(file, data, options, report());
      image.close();
      return result;
    }, probe.format);
  }
  const format = probe.format;
  if (options.keepAsBase) return intoNewFile(folder, keptImageFileName(name, format), (file) => keepImage(file, source, format, report()));
  return convertThroughCopy(folder, name, source, format, options.clusterSize, report);
}

/**
 * Runs `fill` on a new empty file `finalName + '.importing'` of `folder` (fill must close it), then
 * renames it to `finalName`; removes it when anything fails. `source` overrides the result's.
 */
async function intoNewFile(folder: FileSystemDirectoryHandle, finalName: string, fill: (file: OpfsFile) => Promise<ImportResult>, source?: ImageFormat): Promise<ImportResult> {
  const tempName = finalName + IMPORT_TEMP_SUFFIX;
  await removeFile(folder, tempName);
  const handle = await folder.getFileHandle(tempName, { create: true });
  try {
    const result = await fill(await OpfsFile.open(handle));
    await renameFile(handle, finalName);
    return source === undefined || source === 'qed' ? result : { ...result, source };
  } catch (error) {
    await removeFile(folder, tempName).catch(() => false);
    throw error;
  }
}

/** Copies `source` into `file` as a raw base and closes it. */
async function keepRaw(file: OpfsFile, source: Blob, report: PhaseReport): Promise<ImportResult> {
  try {
    return await importRawBase(file, source, report);
  } finally {
    file.close();
  }
}

/** Copies `source` into `file` as it is, checks that its reader opens it standalone, and closes it. */
async function keepImage(file: OpfsFile, source: Blob, format: KeptImageFormat, report: PhaseReport): Promise<ImportResult> {
  try {
    await copyChunks(source, report, (chunk, at) => writeFully(file, chunk, at));
    file.flush();
  } catch (error) {
    file.close();
    throw error;
  }
  const reader = openOrClose(file, format);
  const size = reader.size;
  reader.close(); // closes the file
  return { size, source: format, allocatedBytes: source.size, format };
}

/**
 * Copies `source` into a temporary file, reads it through its format's reader into a new QED disk
 * `name`, and removes the copy (whatever happens).
 */
async function convertThroughCopy(folder: FileSystemDirectoryHandle, name: string, source: Blob, format: KeptImageFormat, clusterSize: number | undefined, report: (phase?: ImportProgress['phase']) => PhaseReport): Promise<ImportResult> {
  const copyName = name + SOURCE_COPY_SUFFIX;
  const copyHandle = await folder.getFileHandle(copyName, { create: true });
  try {
    const copy = await OpfsFile.open(copyHandle);
    try {
      copy.truncate(0);
      await copyChunks(source, report('copy'), (chunk, at) => writeFully(copy, chunk, at));
    } catch (error) {
      copy.close();
      throw error;
    }
    const reader = openOrClose(copy, format);
    try {
      return await intoNewFile(folder, diskFileName(name), async (file) => {
        const image = await convertToQed(reader, file, clusterSize, report('convert'));
        const result: ImportResult = { size: image.size, source: format, allocatedBytes: image.info().allocatedBytes, format: 'qed' };
        image.close();
        return result;
      });
    } finally {
      reader.close(); // closes the copy
    }
  } finally {
    await removeFile(folder, copyName).catch(() => false);
  }
}

/** Opens `file` with `format`'s reader; closes `file` when that fails. */
function openOrClose(file: OpfsFile, format: KeptImageFormat): ReturnType<typeof openStandaloneImage> {
  try {
    return openStandaloneImage(file, format);
  } catch (error) {
    file.close();
    throw error;
  }
}
