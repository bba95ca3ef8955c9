/**
 * The object the disk worker exposes with Comlink: the `DiskWorkerApi` (everything but block
 * requests, which come on the block lane). Each request about an open disk goes through its
 * disk's queue, so requests keep their order.
 */
import * as Comlink from 'comlink';
import { DiskNotFoundError } from '../src/protocol/errors.ts';
import { diskFileName, validateDiskName } from '../src/protocol/disk-name.ts';
import type { WorkerSupport } from '../src/protocol/support.ts';
import type { BaseDownloadProgress, DiskInfo, RemoteBaseStatus } from '../src/protocol/types.ts';
import type { DiskWorkerApi, ImportProgressCallback, ImportResult, OpenedDisk, ProgressCallback, SnapshotFile, StoredDisk, WorkerImportOptions, WorkerOpenOptions, WorkerQcow2ExportOptions } from '../src/protocol/worker-api.ts';
import type { CheckOptions, CheckReport, Extent } from '../src/engine/types.ts';
import { QedArgumentError, QedReadOnlyError } from '../src/qed/errors.ts';
import { acquireDiskLock } from './disk-lock.ts';
import { exportFlattened } from './flatten-export.ts';
import { FilesService } from './files/files-service.ts';
import { importUnderLock } from './formats/import-under-lock.ts';
import { listKeptImageBases, removeKeptImageBases } from './formats/kept-bases.ts';
import { exportQcow2 } from './formats/qcow2-export.ts';
import { openDiskFile } from './open-disk-file.ts';
import type { OpenDisks } from './open-disks.ts';
import { listSnapshotFiles, recoverSwap } from './overlay-files.ts';
import { diskFolder, findFile, listDiskFiles } from './opfs-folder.ts';
import { removeDiskFiles, removeSnapshot, resetOverlay, restoreOverlay, takeSnapshot } from './snapshot-ops.ts';
import { progressRelay } from './progress-relay.ts';
import { probeWorkerSupport } from './support-probe.ts';
import type { DiskWorkerHooks } from './worker-hooks.ts';
import type { VmWorkerReply, VmWorkerRequest } from '../src/protocol/vm-saves.ts';
import { serveVmRequest } from './vm-saves/vm-requests.ts';
import type { CompactDiskProgress, CompactDiskResult, StorageFilesReport, WorkerCompactOptions } from '../src/protocol/storage.ts';
import { compactDisk } from './storage/compact-disk.ts';
import { freeBaseCache } from './storage/free-base-cache.ts';
import { scanStorage } from './storage/storage-report.ts';
import { openRemoteBaseUrls } from './remote-bases.ts';

/** The worker side of qedisk, over the worker's table of open disks. */
export class DiskService implements DiskWorkerApi {
  readonly #disks: OpenDisks;
  readonly #hooks: DiskWorkerHooks;
  /** The file systems on the disks (`DiskWorkerApi.files`). */
  readonly files: FilesService;

  /** Serves the disks in `disks`, with `hooks` (custom devices, file wrappers) plugged in. */
  constructor(disks: OpenDisks, hooks: DiskWorkerHooks = {}) {
    this.#disks = disks;
    this.#hooks = hooks;
    this.files = new FilesService(disks, hooks.wrapFile);
  }

  async open(name: string, options: WorkerOpenOptions): Promise<OpenedDisk> {
    validateDiskName(name);
    if (options.create && options.readOnly) throw new QedArgumentError('create and readOnly cannot be combined');
    const factory = options.device === undefined ? null : this.#hooks.devices?.[options.device];
    if (options.device !== undefined && !factory) throw new QedArgumentError(`no device "${String(options.device)}" is registered in this disk worker`);
    await this.files.release(name);
    const lock = await acquireDiskLock(name);
    try {
      const opened = factory ? { session: await factory(name, options, lock), created: true } : await openDiskFile(name, options, lock, this.#hooks.wrapFile);
      const id = this.#disks.add(opened.session);
      return { id, name, size: opened.session.size, created: opened.created, base: opened.session.backingName };
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  info(id: number): Promise<DiskInfo> {
    return this.#disks.device(id).info();
  }

  check(id: number, options: CheckOptions): Promise<CheckReport> {
    return this.#disks.session(id).runEngine((image) => image.check(options));
  }

  map(id: number): Promise<Extent[]> {
    return this.#disks.session(id).runEngine((image) => image.map());
  }

  exportFile(id: number): Promise<File> {
    return this.#disks.session(id).exportFile();
  }

  async exportFlattened(id: number, onProgress?: ProgressCallback): Promise<File> {
    const session = this.#disks.session(id);
    try {
      const folder = await diskFolder();
      return await session.run((image, chain) => exportFlattened(folder, session.name, image, chain, progressReporter(onProgress)));
    } finally {
      releaseProxy(onProgress);
    }
  }

  async exportQcow2(id: number, options: WorkerQcow2ExportOptions, onProgress?: ProgressCallback): Promise<File> {
    const session = this.#disks.session(id);
    try {
      const folder = await diskFolder();
      return await session.run((image, chain) => exportQcow2(folder, session.name, image, chain, options, progressReporter(onProgress)));
    } finally {
      releaseProxy(onProgress);
    }
  }

  async baseStatus(id: number): Promise<RemoteBaseStatus | null> {
    return this.#disks.session(id).baseStatus();
  }

  async makeAvailableOffline(id: number, onProgress?: (progress: BaseDownloadProgress) => void | Promise<void>): Promise<RemoteBaseStatus | null> {
    try {
      const relay = progressRelay(onProgress);
      const status = await this.#disks.session(id).makeAvailableOffline(({ cachedBytes, totalBytes, bytesFetched }) => relay.send({ done: cachedBytes, total: totalBytes, bytesFetched }));
      await relay.delivered();
      return status;
    } finally {
      releaseProxy(onProgress);
    }
  }

  async close(id: number): Promise<void> {
    await this.#disks.remove(id)?.close();
  }

  async list(): Promise<StoredDisk[]> {
    const folder = await diskFolder();
    const stored = [...(await listDiskFiles(folder)), ...(await listKeptImageBases(folder))];
    return stored.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async remove(name: string): Promise<boolean> {
    await this.files.release(name);
    const lock = await acquireDiskLock(name);
    try {
      const folder = await diskFolder();
      const removedBase = await removeKeptImageBases(folder, name);
      return (await removeDiskFiles(folder, name)) || removedBase;
    } finally {
      lock.release();
    }
  }

  async importDisk(name: string, source: Blob, options: WorkerImportOptions, onProgress?: ImportProgressCallback): Promise<ImportResult> {
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

  resetDisk(name: string): Promise<void> {
    return this.#alter(name, (folder) => resetOverlay(folder, name));
  }

  snapshotDisk(name: string): Promise<SnapshotFile> {
    return this.#alter(name, (folder) => takeSnapshot(folder, name));
  }

  restoreSnapshot(name: string, snapshotId: string): Promise<void> {
    return this.#alter(name, (folder) => restoreOverlay(folder, name, snapshotId));
  }

  async deleteSnapshot(name: string, snapshotId: string): Promise<void> {
    validateDiskName(name);
    await this.files.release(name);
    const live = this.#disks.sessionNamed(name);
    if (live) return live.run(async () => removeSnapshot(await diskFolder(), name, snapshotId));
    const lock = await acquireDiskLock(name);
    try {
      await removeSnapshot(await diskFolder(), name, snapshotId);
    } finally {
      lock.release();
    }
  }

  vmSaves(request: VmWorkerRequest): Promise<VmWorkerReply> {
    return serveVmRequest(request, { alter: (name, change) => this.#alter(name, change) });
  }

  async storageReport(): Promise<StorageFilesReport> {
    const folder = await diskFolder();
    return scanStorage(await navigator.storage.getDirectory(), folder, { isOpenHere: (name) => this.#disks.sessionNamed(name) !== null, openBaseUrls: openRemoteBaseUrls() });
  }

  async compactDisk(name: string, options: WorkerCompactOptions, onProgress?: (progress: CompactDiskProgress) => void | Promise<void>): Promise<CompactDiskResult> {
    try {
      validateDiskName(name);
      await this.files.release(name);
      const context = {
        folder: await diskFolder(),
        live: this.#disks.sessionNamed(name),
        lock: () => acquireDiskLock(name),
        // The session must not release the lock compactDisk holds: it gets one that does not.
        openSession: async (lock: { name: string }) => (await openDiskFile(name, {}, { name: lock.name, release: () => undefined }, this.#hooks.wrapFile)).session,
      };
      const copied = { ...(options.snapshots === undefined ? {} : { snapshots: options.snapshots === true }), ...(options.freeUnusedBlocks ? { freeUnusedBlocks: true } : {}) };
      const relay = progressRelay(onProgress);
      const result = await compactDisk(name, copied, context, relay.send);
      await relay.delivered();
      return result;
    } finally {
      releaseProxy(onProgress);
    }
  }

  async freeBaseCache(id: string): Promise<number> {
    return freeBaseCache(await diskFolder(), id, openRemoteBaseUrls());
  }

  probeSupport(): Promise<WorkerSupport> {
    return probeWorkerSupport();
  }

  async listSnapshots(name: string): Promise<SnapshotFile[]> {
    validateDiskName(name);
    return listSnapshotFiles(await diskFolder(), name);
  }

  /**
   * Runs `change` on the files of disk `name`: in its session's queue with the file closed and
   * reopened afterwards when it is open in this page, otherwise under its lock.
   */
  async #alter<T>(name: string, change: (folder: FileSystemDirectoryHandle) => Promise<T>): Promise<T> {
    validateDiskName(name);
    await this.files.release(name);
    const folder = await diskFolder();
    const live = this.#disks.sessionNamed(name);
    if (live) {
      if (live.readOnly) throw new QedReadOnlyError(`disk "${name}" is open read-only`);
      return live.replaceFile(() => change(folder));
    }
    const lock = await acquireDiskLock(name);
    try {
      await recoverSwap(folder, name);
      if (!(await findFile(folder, diskFileName(name)))) throw new DiskNotFoundError(name);
      return await change(folder);
    } finally {
      lock.release();
    }
  }
}

/** Turns a page callback (maybe a Comlink proxy) into a progress reporter that never fails. */
function progressReporter(onProgress: ProgressCallback | undefined): (done: number, total: number) => Promise<void> {
  return async (done, total) => {
    await Promise.resolve(onProgress?.({ done, total })).catch(() => undefined);
  };
}

/** Frees the page's end of a Comlink proxy (a no-op for anything else). */
function releaseProxy(remote: unknown): void {
  if (typeof remote !== 'function') return;
  const release: unknown = Reflect.get(remote, Comlink.releaseProxy);
  if (typeof release === 'function') release.call(remote);
}
