/**
 * `DiskAccess`: where a files request about a disk runs, decided when it runs:
 *
 * - a snapshot (`target.snapshot`): a read-only `SnapshotView` (writes: `FsReadOnlyError`),
 *   borrowing the files of the disk's session when its chain holds the snapshot;
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
import { isValidSnapshotId, snapshotFileName } from '../../src/protocol/base-names.ts';
import { QedArgumentError, QedClosedError } from '../../src/qed/errors.ts';
import type { BackingChain } from '../backing-chain.ts';
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
  readonly #chains = new WeakMap<DiskSession, BackingChain>();
  readonly #serials = new WeakMap<DiskSession, number>();
  #nextSerial = 1;

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
      return this.withSession(target.disk, target.allowedOrigins, async (session) => {
        try {
          return await this.#inView(session, target.disk, snapshot, task);
        } catch (error) {
          // A closed view, or a borrowed one whose chain let go of a file (the disk's snapshots changed): once more, afresh.
          if (!(error instanceof QedClosedError)) throw error;
          await this.#views.closeWhere((key) => key.startsWith(`${target.disk}\n`));
          return this.#inView(session, target.disk, snapshot, task);
        }
      });
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

  /**
   * Runs `task` on a view of `snapshot` of disk `disk`: one borrowing `session`'s chain when that
   * chain holds the snapshot, else one with handles of its own.
   */
  async #inView<T>(session: DiskSession, disk: string, snapshot: string, task: (image: QedImage, engine: EngineRunner) => T | Promise<T>): Promise<T> {
    const chain = await this.#chainOf(session);
    const fileName = isValidSnapshotId(snapshot) ? snapshotFileName(disk, snapshot) : null;
    const depth = fileName === null ? 0 : chain.levels().findIndex((level) => level.name === fileName) + 1;
    // A view borrows one state of one session's chain: a new session, depth or released file is a new key.
    const key = `${disk}\n${snapshot}\n${depth > 0 ? `borrowed ${this.#serialOf(session)} ${chain.releases} ${depth}` : 'own'}`;
    const open = async (): Promise<SnapshotView> => (depth > 0 ? SnapshotView.borrow(chain, disk, snapshot, depth) : SnapshotView.open(await diskFolder(), disk, snapshot, chain.allowedOrigins));
    return this.#views.use(key, open, (view) => view.run(task));
  }

  /** The backing chain of `session` (the same object for the session's whole life). */
  async #chainOf(session: DiskSession): Promise<BackingChain> {
    const known = this.#chains.get(session);
    if (known) return known;
    const chain = await session.run((_image, sessionChain) => sessionChain);
    this.#chains.set(session, chain);
    return chain;
  }

  /** A number for `session`, distinct from other sessions' (for the keys of borrowed views). */
  #serialOf(session: DiskSession): number {
    let serial = this.#serials.get(session);
    if (serial === undefined) {
      serial = this.#nextSerial++;
      this.#serials.set(session, serial);
    }
    return serial;
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
