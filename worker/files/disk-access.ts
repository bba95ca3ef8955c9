/**
 * `DiskAccess`: where a files request about a disk runs, decided when it runs:
 *
 * - a snapshot (`target.snapshot`): a read-only `SnapshotView` (writes: `FsReadOnlyError`);
 * - a disk open in this page: its session, in its queue between its block requests, unless a VM
 *   is attached (`DiskAttachedError`: writes are refused, reads must go through a snapshot);
 * - a disk nobody here has open: the files service opens it itself under its lock (so another tab
 *   holding it gives `DiskBusyError`), keeps it for `HELD_IDLE_MS` after the last request, and
 *   lets go at once when the page opens, deletes or changes the disk (`release`).
 */
import type { QedImage } from '../../src/engine/qed-image.ts';
import { FsReadOnlyError } from '../../src/fs/errors.ts';
import { DiskAttachedError } from '../../src/protocol/files-errors.ts';
import type { FilesTarget } from '../../src/protocol/files.ts';
import { validateDiskName } from '../../src/protocol/disk-name.ts';
import type { SyncFile } from '../../src/engine/sync-file.ts';
import { QedArgumentError } from '../../src/qed/errors.ts';
import { acquireDiskLock } from '../disk-lock.ts';
import { DiskSession } from '../disk-session.ts';
import { openDiskFile } from '../open-disk-file.ts';
import type { OpenDisks } from '../open-disks.ts';
import { diskFolder } from '../opfs-folder.ts';
import { isAttached } from './attach-marks.ts';
import { IdlePool } from './idle-pool.ts';
import type { EngineRunner } from './reserve.ts';
import { SnapshotView } from './snapshot-view.ts';
import type { VolumeHost } from './volume-runner.ts';

/** Milliseconds a disk or snapshot the files service opened itself stays open after its last request. */
export const HELD_IDLE_MS = 2000;

/** Wraps a disk's OPFS file before the engine sees it (the worker's `wrapFile` hook). */
export type FileWrapper = (file: SyncFile, diskName: string) => SyncFile;

/** What a request wants to do. */
export type Purpose = 'read' | 'write';

/** A checked `FilesTarget`. */
export interface CheckedTarget {
  disk: string;
  partition: number | undefined;
  snapshot: string | undefined;
  allowedOrigins: string[];
}

/** `target` checked and copied: a valid disk name, a partition number from 1, a string snapshot id, origin strings. */
export function checkTarget(target: unknown): CheckedTarget {
  if (typeof target !== 'object' || target === null) throw new QedArgumentError('a files request needs a target { disk, partition?, snapshot? }');
  const disk = validateDiskName(Reflect.get(target, 'disk'));
  const partition: unknown = Reflect.get(target, 'partition');
  if (partition !== undefined && (!Number.isSafeInteger(partition) || (partition as number) < 1)) throw new QedArgumentError(`partition ${String(partition)} must be a whole number from 1`);
  const snapshot: unknown = Reflect.get(target, 'snapshot');
  if (snapshot !== undefined && typeof snapshot !== 'string') throw new QedArgumentError('a snapshot id must be a string');
  const origins: unknown = Reflect.get(target, 'allowedOrigins') ?? [];
  if (!Array.isArray(origins) || !origins.every((origin) => typeof origin === 'string')) throw new QedArgumentError('allowedOrigins must be an array of origin strings');
  return { disk, partition: partition as number | undefined, snapshot, allowedOrigins: [...origins] };
}

/** Finds or opens where files requests run; see the module comment. */
export class DiskAccess {
  readonly #disks: OpenDisks;
  readonly #wrapFile: FileWrapper | undefined;
  readonly #held = new IdlePool<DiskSession>(HELD_IDLE_MS);
  readonly #views = new IdlePool<SnapshotView>(HELD_IDLE_MS);

  /** Serves the disks of `disks`, opening others with `wrapFile` around their files (as the worker does). */
  constructor(disks: OpenDisks, wrapFile?: FileWrapper) {
    this.#disks = disks;
    this.#wrapFile = wrapFile;
  }

  /** The host requests for `target` run on, resolved each time a request runs. */
  host(target: CheckedTarget, purpose: Purpose): VolumeHost {
    return {
      snapshot: target.snapshot ?? null,
      run: <T>(task: (image: QedImage, engine: EngineRunner) => T | Promise<T>): Promise<T> => this.#run(target, purpose, task),
    };
  }

  /**
   * Runs `use` with the session of disk `name`: the page's when it has the disk open, else one the
   * files service holds (opened under the disk's lock).
   */
  withSession<T>(name: string, allowedOrigins: readonly string[], use: (session: DiskSession, live: boolean) => Promise<T>): Promise<T> {
    const live = this.#disks.sessionNamed(name);
    if (live) return use(live, true);
    return this.#held.use(name, () => this.#openHeld(name, allowedOrigins), (session) => use(session, false));
  }

  /** Closes what the files service holds of disk `name` (its own session, snapshot views), after their requests. */
  async release(name: string): Promise<void> {
    await this.#views.closeWhere((key) => key.startsWith(`${name}\n`));
    await this.#held.closeWhere((key) => key === name);
  }

  async #run<T>(target: CheckedTarget, purpose: Purpose, task: (image: QedImage, engine: EngineRunner) => T | Promise<T>): Promise<T> {
    if (target.snapshot !== undefined) {
      if (purpose === 'write') throw new FsReadOnlyError(`snapshot ${target.snapshot} of disk "${target.disk}" is read-only`);
      const snapshot = target.snapshot;
      return this.withSession(target.disk, target.allowedOrigins, (session) =>
        this.#views.use(
          `${target.disk}\n${snapshot}`,
          async () => SnapshotView.open(await diskFolder(), target.disk, snapshot, await session.run((_image, chain) => chain.allowedOrigins)),
          (view) => view.run(task),
        ),
      );
    }
    return this.withSession(target.disk, target.allowedOrigins, (session) => {
      if (isAttached(session)) {
        throw new DiskAttachedError(
          purpose === 'write'
            ? `disk "${target.disk}" is attached to a running VM: writing its file system now would corrupt the guest's copy; stop the VM (detach the disk) first`
            : `disk "${target.disk}" is attached to a running VM: read it through a snapshot`,
        );
      }
      return session.run((image, chain) => task(image, (action) => chain.run(action)));
    });
  }

  /** Opens disk `name` for the files service under its lock. */
  async #openHeld(name: string, allowedOrigins: readonly string[]): Promise<DiskSession> {
    const lock = await acquireDiskLock(name);
    try {
      const opened = await openDiskFile(name, { allowedOrigins: [...allowedOrigins] }, lock, this.#wrapFile);
      return opened.session;
    } catch (error) {
      lock.release();
      throw error;
    }
  }
}
