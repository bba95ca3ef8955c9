/**
 * `SnapshotView`: one snapshot of a disk (`NAME.<id>.qsnap`, a read-only QED file on the disk's
 * backing chain) opened read-only on its own image and request queue, so the files API can read
 * it while the disk itself keeps serving a running guest. Two ways to open one:
 *
 * - `borrow`: when the disk's open session already has the snapshot in its backing chain (the
 *   usual case: the snapshot a running disk's overlay sits on), the view reads the very files that
 *   chain holds open, through loans. No second OPFS handle is opened, which matters where the
 *   browser allows only one sync access handle per file (Firefox). Once that chain lets go of
 *   any file (its disk's snapshots changed), the view is stale: its requests reject with
 *   `QedClosedError`, and the caller opens a fresh one.
 * - `open`: otherwise, its own read-only handles and backing chain.
 */
import { isValidSnapshotId, snapshotFileName } from '../../src/protocol/base-names.ts';
import { SnapshotNotFoundError } from '../../src/protocol/errors.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import { QedClosedError } from '../../src/qed/errors.ts';
import { BackingChain } from '../backing-chain.ts';
import { findFile, openReadOnly } from '../opfs-folder.ts';
import { SerialQueue } from '../serial-queue.ts';
import type { EngineRunner } from './reserve.ts';
import type { VolumeHost } from './volume-runner.ts';

/** A snapshot opened for reading; see the module comment. */
export class SnapshotView implements VolumeHost {
  readonly snapshot: string;
  /** True when it reads through loans of a session's chain. */
  readonly borrowed: boolean;
  readonly #image: QedImage;
  readonly #engine: EngineRunner;
  readonly #release: () => void;
  /** True when the files it reads through may have been closed under it. */
  readonly #stale: () => boolean;
  readonly #queue = new SerialQueue();
  #closed = false;

  private constructor(snapshot: string, image: QedImage, engine: EngineRunner, release: () => void, stale: (() => boolean) | null) {
    this.snapshot = snapshot;
    this.#image = image;
    this.#engine = engine;
    this.#release = release;
    this.#stale = stale ?? (() => false);
    this.borrowed = stale !== null;
  }

  /**
   * A view of snapshot `snapshotId` of disk `diskName` through `chain` (an open session's), which
   * holds its file at `depth` (1: the overlay's direct base); throws `QedBackingError` when the
   * chain does not hold what the snapshot needs.
   */
  static borrow(chain: BackingChain, diskName: string, snapshotId: string, depth: number): SnapshotView {
    const fileName = snapshotFileName(diskName, snapshotId);
    const image = QedImage.open(chain.resolve({ name: fileName, format: 'probe', depth }), {
      readOnly: true,
      resolveBacking: (request) => chain.resolve({ ...request, depth: request.depth + depth }),
    });
    const releases = chain.releases;
    return new SnapshotView(snapshotId, image, (action) => chain.run(action), () => undefined, () => chain.releases !== releases);
  }

  /**
   * Opens snapshot `snapshotId` of disk `diskName` in `folder` with handles and a chain of its own
   * (HTTP bases allowed from the page's origin and `allowedOrigins`). Rejects with
   * `SnapshotNotFoundError` for an unknown id.
   */
  static async open(folder: FileSystemDirectoryHandle, diskName: string, snapshotId: unknown, allowedOrigins: readonly string[]): Promise<SnapshotView> {
    const handle = isValidSnapshotId(snapshotId) ? await findFile(folder, snapshotFileName(diskName, snapshotId)) : null;
    if (!isValidSnapshotId(snapshotId) || !handle) throw new SnapshotNotFoundError(diskName, `disk "${diskName}" has no snapshot ${JSON.stringify(snapshotId)}`);
    const file = await openReadOnly(handle, diskName);
    const chain = new BackingChain(folder, diskName, allowedOrigins);
    try {
      const image = await chain.open(() => QedImage.open(file, { readOnly: true, resolveBacking: chain.resolve }));
      return new SnapshotView(snapshotId, image, (action) => chain.run(action), () => chain.close(), null);
    } catch (error) {
      chain.close();
      file.close();
      throw error;
    }
  }

  run<T>(task: (image: QedImage, engine: EngineRunner) => T | Promise<T>): Promise<T> {
    return this.#queue.run(async () => {
      this.#assertUsable();
      try {
        return await task(this.#image, this.#engine);
      } catch (error) {
        this.#assertUsable(); // a read of a file closed under the task fails as QedIoError: say why instead
        throw error;
      }
    });
  }

  /** Throws `QedClosedError` when the view is closed, or stale (see the module comment). */
  #assertUsable(): void {
    if (this.#closed) throw new QedClosedError(`snapshot ${this.snapshot} is closed`);
    if (this.#stale()) throw new QedClosedError(`snapshot ${this.snapshot}: the disk's backing chain changed under this view`);
  }

  /** Closes the image (and its own chain) after the queued requests. */
  close(): Promise<void> {
    return this.#queue.run(() => {
      if (this.#closed) return;
      this.#closed = true;
      try {
        this.#image.close();
      } finally {
        this.#release();
      }
    });
  }
}
