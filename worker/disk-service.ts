/**
 * The object the disk worker exposes with Comlink: the `DiskWorkerApi`. Keeps the open disks by
 * id; each request goes through its disk's queue, so requests keep their order.
 */
import * as Comlink from 'comlink';
import { DiskExistsError } from '../src/client/errors.ts';
import { diskFileName, validateDiskName } from '../src/client/disk-name.ts';
import type { DiskInfo } from '../src/client/types.ts';
import type { DiskWorkerApi, ImportResult, OpenedDisk, ProgressCallback, StoredDisk, WorkerImportOptions, WorkerOpenOptions } from '../src/client/worker-api.ts';
import { OpfsFile } from '../src/backends/opfs-file.ts';
import type { CheckOptions, CheckReport } from '../src/engine/types.ts';
import { QedArgumentError, QedClosedError } from '../src/qed/errors.ts';
import { importImage } from './disk-import.ts';
import { acquireDiskLock } from './disk-lock.ts';
import { DiskSession } from './disk-session.ts';
import { openDiskFile } from './open-disk-file.ts';
import { diskFolder, findFile, listDiskFiles, removeFile, renameFile } from './opfs-folder.ts';

/** Suffix of the temporary file an import writes before renaming it into place. */
const IMPORT_TEMP_SUFFIX = '.importing';

/** The worker side of qedisk. */
export class DiskService implements DiskWorkerApi {
  readonly #sessions = new Map<number, DiskSession>();
  #nextId = 1;

  async open(name: string, options: WorkerOpenOptions): Promise<OpenedDisk> {
    validateDiskName(name);
    if (options.create && options.readOnly) throw new QedArgumentError('create and readOnly cannot be combined');
    const lock = await acquireDiskLock(name);
    try {
      const opened = await openDiskFile(name, options, lock);
      const id = this.#nextId++;
      this.#sessions.set(id, opened.session);
      return { id, name, size: opened.session.size, created: opened.created };
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  read(id: number, offset: number, length: number): Promise<Uint8Array> {
    return this.#session(id).run((image) => {
      const bytes = image.read(offset, length);
      return Comlink.transfer(bytes, [bytes.buffer]);
    });
  }

  write(id: number, offset: number, data: Uint8Array): Promise<void> {
    return this.#session(id).runWrite((image) => image.write(data, offset));
  }

  writeZeroes(id: number, offset: number, length: number): Promise<void> {
    return this.#session(id).runWrite((image) => image.writeZeroes(offset, length));
  }

  flush(id: number): Promise<void> {
    return this.#session(id).run((image) => image.flush());
  }

  info(id: number): Promise<DiskInfo> {
    const session = this.#session(id);
    return session.run((image) => {
      const info = image.info();
      return {
        name: session.name,
        virtualSize: info.virtualSize,
        physicalSize: info.physicalSize,
        clusterSize: info.clusterSize,
        allocatedBytes: info.allocatedBytes,
        needsCheck: info.needsCheck,
        backingFile: info.backingFile,
        io: info.io,
      };
    });
  }

  check(id: number, options: CheckOptions): Promise<CheckReport> {
    return this.#session(id).run((image) => image.check(options));
  }

  exportFile(id: number): Promise<File> {
    return this.#session(id).exportFile();
  }

  async close(id: number): Promise<void> {
    const session = this.#sessions.get(id);
    if (!session) return;
    this.#sessions.delete(id);
    await session.close();
  }

  async list(): Promise<StoredDisk[]> {
    return listDiskFiles(await diskFolder());
  }

  async remove(name: string): Promise<boolean> {
    const lock = await acquireDiskLock(name);
    try {
      return await removeFile(await diskFolder(), diskFileName(name));
    } finally {
      lock.release();
    }
  }

  async importDisk(name: string, source: Blob, options: WorkerImportOptions, onProgress?: ProgressCallback): Promise<ImportResult> {
    try {
      const lock = await acquireDiskLock(name);
      try {
        return await importUnderLock(name, source, options, onProgress);
      } finally {
        lock.release();
      }
    } finally {
      releaseProxy(onProgress);
    }
  }

  setQuotaLimit(id: number, bytes: number | null): Promise<void> {
    return this.#session(id).setQuotaLimit(bytes);
  }

  /** The open disk `id`; throws `QedClosedError` when it is not open. */
  #session(id: number): DiskSession {
    const session = this.#sessions.get(id);
    if (!session) throw new QedClosedError(`disk #${id} is not open (closed, or opened by a previous page)`);
    return session;
  }
}

/** Frees the page's end of a Comlink proxy (a no-op for anything else). */
function releaseProxy(remote: unknown): void {
  if (typeof remote !== 'function') return;
  const release: unknown = Reflect.get(remote, Comlink.releaseProxy);
  if (typeof release === 'function') release.call(remote);
}

/** Imports `source` as disk `name` (whose lock is held) via a temporary file renamed into place. */
async function importUnderLock(name: string, source: Blob, options: WorkerImportOptions, onProgress?: ProgressCallback): Promise<ImportResult> {
  const folder = await diskFolder();
  const finalName = diskFileName(name);
  if (await findFile(folder, finalName)) throw new DiskExistsError(name);
  const tempName = finalName + IMPORT_TEMP_SUFFIX;
  await removeFile(folder, tempName);
  const tempHandle = await folder.getFileHandle(tempName, { create: true });
  try {
    const file = await OpfsFile.open(tempHandle);
    const report = async (done: number, total: number): Promise<void> => {
      await Promise.resolve(onProgress?.({ done, total })).catch(() => undefined);
    };
    const { image, result } = await importImage(file, source, options, report);
    image.close();
    await renameFile(tempHandle, finalName);
    return result;
  } catch (error) {
    await removeFile(folder, tempName).catch(() => false);
    throw error;
  }
}
