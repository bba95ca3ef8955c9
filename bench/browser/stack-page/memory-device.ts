/**
 * The stack benchmark's `memory` device: a QED disk on a `MemoryFile` inside the worker, served by
 * the same session class as a disk in OPFS, so only the storage differs. Nothing persists.
 */
import { MemoryFile } from '../../../src/backends/memory-file.ts';
import { QedImage } from '../../../src/engine/qed-image.ts';
import type { WorkerOpenOptions } from '../../../src/protocol/worker-api.ts';
import { QedArgumentError } from '../../../src/qed/errors.ts';
import { BackingChain } from '../../../worker/backing-chain.ts';
import type { DiskLock } from '../../../worker/disk-lock.ts';
import { DiskSession } from '../../../worker/disk-session.ts';
import type { OpenDevice } from '../../../worker/open-device.ts';
import { diskFolder } from '../../../worker/opfs-folder.ts';

/** Creates the in-memory QED disk `name` of `options.create.size` bytes under `lock`. */
export async function openMemoryDevice(name: string, options: WorkerOpenOptions, lock: DiskLock): Promise<OpenDevice> {
  const create = options.create;
  if (!create || create.size === undefined || options.readOnly || create.base) throw new QedArgumentError('a memory device is always created afresh, writable, without a base, with a size');
  const file = new MemoryFile();
  const image = QedImage.create(file, { size: create.size, clusterSize: create.clusterSize, tableSize: create.tableSize });
  const reopen = (): never => {
    throw new QedArgumentError(`disk "${name}" lives in memory only and cannot be reopened`);
  };
  return new DiskSession({ name, image, file, fileHandle: null, lock, chain: new BackingChain(await diskFolder(), name, []), reopen });
}
