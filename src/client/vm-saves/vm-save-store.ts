/**
 * Where VM saves are kept: one qedisk VM file per save (`NAME.qvm`: manifest, then the gzipped
 * v86 state) in the OPFS folder `qedisk-vm-saves`, beside the disks' folder. A file appears
 * complete or not at all: OPFS commits a writable stream on `close()`.
 */
import { VmSaveFormatError, VmSaveNotFoundError, validateVmSaveName } from '../../protocol/vm-saves.ts';
import { type VmFileManifest, VM_FILE_HEAD_BYTES, decodeVmHeadLength, decodeVmManifest, encodeVmHead, partRanges } from './vm-file-format.ts';

/** The OPFS folder of the saves. */
export const VM_SAVES_FOLDER_NAME = 'qedisk-vm-saves';
/** File name suffix of a save. */
const SUFFIX = '.qvm';

/** A VM file opened for reading: its manifest and its parts as slices of the file. */
export interface OpenVmFile {
  /** The checked manifest. */
  manifest: VmFileManifest;
  /** Bytes of the whole file. */
  fileBytes: number;
  /** The gzipped state. */
  state: Blob;
  /** The disk levels, in manifest order (top first). */
  levels: Array<{ id: string; file: Blob }>;
}

/** The saves' folder (created on first use). */
async function folder(): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(VM_SAVES_FOLDER_NAME, { create: true });
}

function isNotFound(error: unknown): boolean {
  return error instanceof DOMException && (error.name === 'NotFoundError' || error.name === 'TypeMismatchError');
}

/** Reads and checks the manifest of VM file `file`, and slices its parts. Throws `VmSaveFormatError`. */
export async function openVmFile(file: Blob): Promise<OpenVmFile> {
  const length = decodeVmHeadLength(new Uint8Array(await file.slice(0, VM_FILE_HEAD_BYTES).arrayBuffer()));
  if (VM_FILE_HEAD_BYTES + length > file.size) throw new VmSaveFormatError('the VM file ends inside its manifest');
  const manifest = decodeVmManifest(new Uint8Array(await file.slice(VM_FILE_HEAD_BYTES, VM_FILE_HEAD_BYTES + length).arrayBuffer()), file.size);
  let state: Blob | null = null;
  const levels: Array<{ id: string; file: Blob }> = [];
  for (const { part, start, end } of partRanges(manifest, length)) {
    if (part.role === 'state') state = file.slice(start, end);
    else levels.push({ id: part.id, file: file.slice(start, end) });
  }
  if (!state) throw new VmSaveFormatError('the VM file holds no state');
  return { manifest, fileBytes: file.size, state, levels };
}

/**
 * Stores save `manifest.name` (replacing one of that name) as the manifest followed by `parts`
 * (the gzipped state first); resolves the file's size in bytes.
 */
export async function writeVmSave(manifest: VmFileManifest, parts: Blob[]): Promise<number> {
  const name = validateVmSaveName(manifest.name);
  const body = new Blob([encodeVmHead(manifest), ...parts]);
  const writable = await (await (await folder()).getFileHandle(name + SUFFIX, { create: true })).createWritable();
  try {
    await writable.write(body);
    await writable.close();
  } catch (error) {
    await writable.abort().catch(() => undefined);
    throw error;
  }
  return body.size;
}

/** The stored file of save `name`; `VmSaveNotFoundError` when there is none. */
export async function vmSaveFile(name: string): Promise<File> {
  try {
    return await (await (await folder()).getFileHandle(validateVmSaveName(name) + SUFFIX)).getFile();
  } catch (error) {
    if (isNotFound(error)) throw new VmSaveNotFoundError(`there is no VM save named "${name}"`);
    throw error;
  }
}

/** True when save `name` exists. */
export async function hasVmSave(name: string): Promise<boolean> {
  const file = validateVmSaveName(name) + SUFFIX;
  return whenFound(async (dir) => void (await dir.getFileHandle(file)));
}

/** Removes the file of save `name`; resolves false when there was none. */
export async function removeVmSaveFile(name: string): Promise<boolean> {
  const file = validateVmSaveName(name) + SUFFIX;
  return whenFound((dir) => dir.removeEntry(file));
}

/** Runs `action` on the folder: true when it succeeded, false when it found no such file. */
async function whenFound(action: (dir: FileSystemDirectoryHandle) => Promise<void>): Promise<boolean> {
  try {
    await action(await folder());
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** Every stored save file, with its name; files that are not saves are skipped. */
export async function storedVmSaves(): Promise<Array<{ name: string; file: File }>> {
  const found: Array<{ name: string; file: File }> = [];
  for await (const [fileName, handle] of (await folder()).entries()) {
    if (handle.kind !== 'file' || !fileName.endsWith(SUFFIX)) continue;
    found.push({ name: fileName.slice(0, -SUFFIX.length), file: await (handle as FileSystemFileHandle).getFile() });
  }
  return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
