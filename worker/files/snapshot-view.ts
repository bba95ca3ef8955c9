/**
 * `SnapshotView`: one snapshot of a disk (`NAME.<id>.qsnap`, a read-only QED file on the disk's
 * backing chain) opened read-only on its own, with a backing chain and a request queue of its
 * own, so the files API can read it while the disk itself keeps serving a running guest.
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
  readonly #image: QedImage;
  readonly #chain: BackingChain;
  readonly #queue = new SerialQueue();
  #closed = false;

  private constructor(snapshot: string, image: QedImage, chain: BackingChain) {
    this.snapshot = snapshot;
    this.#image = image;
    this.#chain = chain;
  }

  /**
   * Opens snapshot `snapshotId` of disk `diskName` in `folder` (HTTP bases allowed from the page's
   * origin and `allowedOrigins`). Rejects with `SnapshotNotFoundError` for an unknown id.
   */
  static async open(folder: FileSystemDirectoryHandle, diskName: string, snapshotId: unknown, allowedOrigins: readonly string[]): Promise<SnapshotView> {
    const handle = isValidSnapshotId(snapshotId) ? await findFile(folder, snapshotFileName(diskName, snapshotId)) : null;
    if (!isValidSnapshotId(snapshotId) || !handle) throw new SnapshotNotFoundError(diskName, `disk "${diskName}" has no snapshot ${JSON.stringify(snapshotId)}`);
    const file = await openReadOnly(handle, diskName);
    const chain = new BackingChain(folder, diskName, allowedOrigins);
    try {
      const image = await chain.open(() => QedImage.open(file, { readOnly: true, resolveBacking: chain.resolve }));
      return new SnapshotView(snapshotId, image, chain);
    } catch (error) {
      chain.close();
      file.close();
      throw error;
    }
  }

  run<T>(task: (image: QedImage, engine: EngineRunner) => T | Promise<T>): Promise<T> {
    return this.#queue.run(() => {
      if (this.#closed) throw new QedClosedError(`snapshot ${this.snapshot} is closed`);
      return task(this.#image, (action) => this.#chain.run(action));
    });
  }

  /** Closes the image and its chain after the queued requests. */
  close(): Promise<void> {
    return this.#queue.run(() => {
      if (this.#closed) return;
      this.#closed = true;
      try {
        this.#image.close();
      } finally {
        this.#chain.close();
      }
    });
  }
}
