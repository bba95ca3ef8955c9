/**
 * Opening the bench-only measurement baselines (`WorkerOpenOptions.device`): a raw OPFS file
 * (`raw`) and a QED disk on a `MemoryFile` in the worker (`memory`). Both hold the disk name's
 * lock like a real disk; neither touches the disk's `.qed` file.
 */
import { MemoryFile } from '../src/backends/memory-file.ts';
import { OpfsFile } from '../src/backends/opfs-file.ts';
import type { WorkerOpenOptions } from '../src/client/worker-api.ts';
import { QedImage } from '../src/engine/qed-image.ts';
import { QedArgumentError } from '../src/qed/errors.ts';
import { BackingChain } from './backing-chain.ts';
import type { DiskLock } from './disk-lock.ts';
import { DiskSession } from './disk-session.ts';
import type { OpenDevice } from './open-device.ts';
import { diskFolder } from './opfs-folder.ts';
import { RawBaseline } from './raw-baseline.ts';

/**
 * Creates the baseline `options.device` (`raw` or `memory`) named `name` under `lock` (which the
 * device then owns; on failure the caller keeps it). Needs `options.create.size`; a base, a
 * read-only open or an open without `create` are refused with `QedArgumentError`.
 */
export async function openBaselineDevice(name: string, options: WorkerOpenOptions, lock: DiskLock): Promise<OpenDevice> {
  const create = options.create;
  if (!create || options.readOnly || create.base) throw new QedArgumentError('a baseline device is always created afresh, writable and without a base');
  const folder = await diskFolder();
  if (options.device === 'raw') return RawBaseline.create(folder, name, create.size, lock);
  if (options.device !== 'memory') throw new QedArgumentError(`device ${String(options.device)} must be qed, raw or memory`);
  // The same adapter as a disk in OPFS, over memory: only the storage differs.
  const file = new OpfsFile(new MemoryFile());
  const chain = new BackingChain(folder, name, []);
  const image = QedImage.create(file, { size: create.size, clusterSize: create.clusterSize, tableSize: create.tableSize });
  const reopen = (): never => {
    throw new QedArgumentError(`disk "${name}" lives in memory only and cannot be reopened`);
  };
  return new DiskSession({ name, image, file, fileHandle: null, lock, chain, reopen });
}
