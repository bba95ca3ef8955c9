/**
 * `FilesService`: the files part of the disk worker's API (`DiskWorkerApi.files`). Each method
 * checks its arguments, finds where the request runs (`DiskAccess`) and runs it there
 * (`VolumeRunner`): reads on the cached file system, writes through `safeWrite`.
 */
import * as Comlink from 'comlink';
import type { FileStat } from '../../src/fs/file-system.ts';
import { snapshotIdOf } from '../../src/protocol/base-names.ts';
import { validateDiskName } from '../../src/protocol/disk-name.ts';
import type { FileEntry, FileIdentity, FilesMkdirOptions, FilesRmOptions, FilesTarget, FilesWorkerApi, FilesWriteOptions, PartitionInfo, ReadChunk, ReadingSnapshot, VolumeInfo, ZipHandle, ZipOptions } from '../../src/protocol/files.ts';
import { QedArgumentError, QedReadOnlyError } from '../../src/qed/errors.ts';
import { DiskSession } from '../disk-session.ts';
import type { OpenDisks } from '../open-disks.ts';
import { diskFolder } from '../opfs-folder.ts';
import { listSnapshotFiles } from '../overlay-files.ts';
import { takeSnapshot } from '../snapshot-ops.ts';
import { isAttached, setAttached } from './attach-marks.ts';
import { blobSource } from './blob-source.ts';
import { type CheckedTarget, DiskAccess, type FileWrapper, checkTarget } from './disk-access.ts';
import { checkedPath, mkdirOperation, readChunk, renameOperation, rmOperation, writeOperation } from './operations.ts';
import { partitionsOf } from './partitions.ts';
import { volumeInfo } from './volume-info.ts';
import { VolumeRunner } from './volume-runner.ts';
import { ZipBuilder, planZip } from './zip-builder.ts';

/** Most zip archives under way at once; starting another drops the oldest. */
const MAX_OPEN_ZIPS = 16;
/** Archive bytes `zipNext` returns at least (unless the archive ends first). */
const ZIP_PIECE_BYTES = 512 * 1024;

/** A zip archive under way. */
interface OpenZip {
  target: CheckedTarget;
  builder: ZipBuilder;
}

/** See the module comment. */
export class FilesService implements FilesWorkerApi, Comlink.ProxyMarked {
  /** Served as a nested Comlink object of the disk worker's API. */
  readonly [Comlink.proxyMarker] = true as const;
  readonly #disks: OpenDisks;
  readonly #access: DiskAccess;
  readonly #runner = new VolumeRunner();
  readonly #zips = new Map<number, OpenZip>();
  #nextZipId = 1;

  /** Serves the disks of `disks`; disks it opens itself get `wrapFile` around their files. */
  constructor(disks: OpenDisks, wrapFile?: FileWrapper) {
    this.#disks = disks;
    this.#access = new DiskAccess(disks, wrapFile);
  }

  async setAttached(id: number, attached: boolean): Promise<void> {
    if (typeof attached !== 'boolean') throw new QedArgumentError('attached must be true or false');
    const device = this.#disks.device(id);
    if (device instanceof DiskSession) setAttached(device, attached);
  }

  partitions(target: FilesTarget): Promise<PartitionInfo[]> {
    const checked = checkTarget(target);
    return this.#access.host(checked, 'read').run((image, engine) => engine(() => partitionsOf(image)));
  }

  volume(target: FilesTarget): Promise<VolumeInfo> {
    const checked = checkTarget(target);
    const attached = this.#attachedNow(checked.disk);
    return this.#runner.read(this.#access.host(checked, 'read'), checked.partition, (opened) => volumeInfo(opened, checked.snapshot ?? null, attached));
  }

  list(target: FilesTarget, path: string): Promise<FileEntry[]> {
    const checked = checkTarget(target);
    const at = checkedPath(path);
    return this.#runner.read(this.#access.host(checked, 'read'), checked.partition, ({ fs }) => fs.list(at));
  }

  stat(target: FilesTarget, path: string): Promise<FileStat> {
    const checked = checkTarget(target);
    const at = checkedPath(path);
    return this.#runner.read(this.#access.host(checked, 'read'), checked.partition, ({ fs }) => fs.stat(at));
  }

  async read(target: FilesTarget, path: string, offset: number, length: number, expected: FileIdentity | null): Promise<ReadChunk> {
    const checked = checkTarget(target);
    const at = checkedPath(path);
    const chunk = await this.#runner.read(this.#access.host(checked, 'read'), checked.partition, ({ fs }) => readChunk(fs, at, offset, length, expected));
    return Comlink.transfer(chunk, [chunk.bytes.buffer]);
  }

  write(target: FilesTarget, path: string, data: Blob, options: FilesWriteOptions): Promise<FileStat> {
    const checked = checkTarget(target);
    const at = checkedPath(path);
    const source = blobSource(data);
    return this.#runner.write(this.#access.host(checked, 'write'), checked.partition, writeOperation(at, source, options ?? {}));
  }

  mkdir(target: FilesTarget, path: string, options: FilesMkdirOptions): Promise<void> {
    const checked = checkTarget(target);
    return this.#runner.write(this.#access.host(checked, 'write'), checked.partition, mkdirOperation(checkedPath(path), options ?? {}));
  }

  rm(target: FilesTarget, path: string, options: FilesRmOptions): Promise<void> {
    const checked = checkTarget(target);
    return this.#runner.write(this.#access.host(checked, 'write'), checked.partition, rmOperation(checkedPath(path), options ?? {}));
  }

  rename(target: FilesTarget, from: string, to: string): Promise<void> {
    const checked = checkTarget(target);
    return this.#runner.write(this.#access.host(checked, 'write'), checked.partition, renameOperation(checkedPath(from), checkedPath(to)));
  }

  async zipStart(target: FilesTarget, path: string, options: ZipOptions): Promise<ZipHandle> {
    const checked = checkTarget(target);
    const at = checkedPath(path);
    const plan = await this.#runner.read(this.#access.host(checked, 'read'), checked.partition, ({ fs }) => planZip(fs, at));
    const builder = new ZipBuilder(plan, options ?? {});
    const id = this.#nextZipId++;
    this.#zips.set(id, { target: checked, builder });
    for (const oldest of this.#zips.keys()) {
      if (this.#zips.size <= MAX_OPEN_ZIPS) break;
      this.#zips.delete(oldest);
    }
    return { id, entries: plan.entries.length, dataBytes: plan.dataBytes };
  }

  async zipNext(id: number): Promise<Uint8Array<ArrayBuffer> | null> {
    const zip = this.#zips.get(id);
    if (!zip) throw new QedArgumentError(`zip archive ${String(id)} is not under way (finished, cancelled, or dropped for newer ones)`);
    try {
      // Restart-safe: a step that must wait for HTTP base data throws before changing the archive.
      const bytes = await this.#runner.read(this.#access.host(zip.target, 'read'), zip.target.partition, ({ fs }) => zip.builder.next(fs, ZIP_PIECE_BYTES));
      if (bytes === null) this.#zips.delete(id);
      return bytes === null ? null : Comlink.transfer(bytes, [bytes.buffer]);
    } catch (error) {
      this.#zips.delete(id);
      throw error;
    }
  }

  async zipCancel(id: number): Promise<void> {
    this.#zips.delete(id);
  }

  snapshotForReading(disk: string): Promise<ReadingSnapshot> {
    const name = validateDiskName(disk);
    return this.#access.withSession(name, [], async (session) => {
      const folder = await diskFolder();
      const reusable = await session.run((image) => {
        const id = image.backingName === null ? null : snapshotIdOf(name, image.backingName);
        return id !== null && image.map().every((extent) => extent.kind === 'unallocated') ? id : null;
      });
      const found = reusable === null ? undefined : (await listSnapshotFiles(folder, name)).find((snapshot) => snapshot.id === reusable);
      if (found) return { snapshot: found, reused: true };
      if (session.readOnly) throw new QedReadOnlyError(`disk "${name}" is open read-only: no snapshot can be taken`);
      return { snapshot: await session.replaceFile(() => takeSnapshot(folder, name)), reused: false };
    });
  }

  /** Lets go of what the files service holds of disk `name` (call before opening, deleting or changing its files). */
  release(name: string): Promise<void> {
    return this.#access.release(name);
  }

  /** True when disk `name` is open in this page with a VM attached. */
  #attachedNow(name: string): boolean {
    const live = this.#disks.sessionNamed(name);
    return live !== null && isAttached(live);
  }
}
