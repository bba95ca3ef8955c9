/**
 * Making a disk from the exported levels of a VM save point: each level becomes a snapshot file
 * of the new disk (`NAME.<id>.qsnap`, copied in chunks, its header renamed to the level below or
 * to the HTTP base, then opened and checked), the top level keeps (or gets) the save's tag, and
 * a new empty overlay sits on top. The caller holds the new disk's lock. Nothing is left behind
 * on failure.
 */
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { OpfsFile } from '../../src/backends/opfs-file.ts';
import { assertAllowedUrl } from '../../src/backends/remote/index.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import { writeFully } from '../../src/engine/sync-file.ts';
import { rawBaseFileName, snapshotFileName } from '../../src/protocol/base-names.ts';
import { diskFileName } from '../../src/protocol/disk-name.ts';
import { DiskExistsError } from '../../src/protocol/errors.ts';
import { type VmBaseRef, type VmImportResult, type VmLevelFile, VmSaveFormatError, VmSaveMismatchError } from '../../src/protocol/vm-saves.ts';
import { QedCorruptionError } from '../../src/qed/errors.ts';
import { findFile, removeFile } from '../opfs-folder.ts';
import { overlayLike, readOverlayHeader, writeOverlay } from '../overlay-files.ts';
import { type BackingName, readTagFrom, setBackingName, writeTagInto } from './snapshot-files.ts';
import { encodeSnapshotTag } from './snapshot-tag.ts';

/** Bytes copied per step. */
const COPY_CHUNK_BYTES = 4 * 1024 * 1024;

/** What to import. */
export interface ChainImport {
  /** The new disk's name (validated by the caller). */
  diskName: string;
  /** The levels, top first (validated ids, unique). */
  levels: VmLevelFile[];
  /** The HTTP base below the bottom level, or null. */
  base: VmBaseRef | null;
  /** The save's token: the top level must carry it, or gets it. */
  token: string;
  /** Origins besides the worker's own an HTTP base may come from. */
  allowedOrigins: readonly string[];
}

/** Makes disk `spec.diskName` from `spec`; `DiskExistsError` when a disk or base of that name exists. */
export async function importChain(folder: FileSystemDirectoryHandle, spec: ChainImport): Promise<VmImportResult> {
  const name = spec.diskName;
  for (const taken of [diskFileName(name), rawBaseFileName(name)]) if (await findFile(folder, taken)) throw new DiskExistsError(name);
  const top = spec.levels[0];
  if (!top) throw new VmSaveFormatError('the VM file holds no disk');
  const baseUrl = spec.base ? assertAllowedUrl(spec.base.url, self.location.origin, spec.allowedOrigins) : null;
  const written: string[] = [];
  try {
    let diskBytes = -1;
    for (let index = spec.levels.length - 1; index >= 0; index--) {
      const level = spec.levels[index];
      if (!level) continue;
      const below = spec.levels[index + 1];
      const backing: BackingName | null = below ? { name: snapshotFileName(name, below.id), raw: false } : baseUrl && spec.base ? { name: baseUrl, raw: spec.base.format === 'raw' } : null;
      const fileName = snapshotFileName(name, level.id);
      if (await findFile(folder, fileName)) throw new DiskExistsError(name, `a snapshot file ${fileName} exists already`);
      written.push(fileName);
      const size = await writeLevel(folder, fileName, level.file, backing, index === 0 ? spec.token : null);
      if (diskBytes >= 0 && size !== diskBytes) throw new VmSaveFormatError('the levels of the disk in the VM file differ in size');
      diskBytes = size;
    }
    const topName = snapshotFileName(name, top.id);
    const topHandle = await findFile(folder, topName);
    if (!topHandle) throw new QedCorruptionError(`${topName} vanished during the import`);
    written.push(diskFileName(name));
    await writeOverlay(folder, diskFileName(name), overlayLike(await readOverlayHeader(topHandle), topName, false));
    return { diskBytes, snapshotId: top.id };
  } catch (error) {
    for (const fileName of written) await removeFile(folder, fileName).catch(() => false);
    throw error;
  }
}

/**
 * Copies `source` into the new file `fileName`, points its header at `backing`, checks the tag
 * (when `token` is given) and the image; resolves its virtual size in bytes.
 */
async function writeLevel(folder: FileSystemDirectoryHandle, fileName: string, source: Blob, backing: BackingName | null, token: string | null): Promise<number> {
  const file = await OpfsFile.open(await folder.getFileHandle(fileName, { create: true }));
  let image: QedImage | null = null;
  try {
    for (let at = 0; at < source.size; at += COPY_CHUNK_BYTES) {
      writeFully(file, new Uint8Array(await source.slice(at, at + COPY_CHUNK_BYTES).arrayBuffer()), at);
    }
    file.flush();
    setBackingName(file, backing);
    if (token !== null) {
      const carried = readTagFrom(file);
      if (carried === null) writeTagInto(file, encodeSnapshotTag(token));
      else if (carried !== token) throw new VmSaveMismatchError('the disk in the VM file belongs to another save point than its state');
    }
    // The levels below are not open yet: the check needs only this file's own tables.
    image = QedImage.open(file, { readOnly: true, resolveBacking: () => new MemoryFile() });
    const report = image.check();
    if (report.corruptions > 0 || report.checkErrors > 0) {
      throw new VmSaveFormatError(`${fileName} from the VM file has ${report.corruptions} corruptions and ${report.checkErrors} check errors`);
    }
    return image.size;
  } finally {
    if (image) image.close();
    else file.close();
  }
}
