/**
 * Running files requests on a disk image: a `VolumeHost` is where they run (a disk's queue and
 * image: an open disk's session, or a read-only snapshot view), and `VolumeRunner` runs a read
 * (restartable, on the cached file system) or a write (through `safeWrite`) there.
 */
import type { QedImage } from '../../src/engine/qed-image.ts';
import { FsError } from '../../src/fs/errors.ts';
import type { OpenedFileSystem } from '../../src/fs/open.ts';
import { type WriteOperation, safeWrite } from './safe-write.ts';
import type { EngineRunner } from './reserve.ts';
import { VolumeCache } from './volume-cache.ts';

/** Where the requests about one disk image run. */
export interface VolumeHost {
  /** The snapshot it reads, or null for a disk's live state. */
  readonly snapshot: string | null;
  /**
   * Runs `task` in the image's queue (after every earlier request of the disk), with the image and
   * a runner for restartable engine steps (which fetches missing HTTP base data and runs them again).
   */
  run<T>(task: (image: QedImage, engine: EngineRunner) => T | Promise<T>): Promise<T>;
}

/** The partition a request is about: a number from 1, or undefined for "the whole disk, else the only one". */
export type PartitionChoice = number | undefined;

/** Reads and writes on the file systems of hosts, sharing one cache of open file systems. */
export class VolumeRunner {
  readonly #cache: VolumeCache;

  /** Runs requests with `cache` (a new one by default). */
  constructor(cache: VolumeCache = new VolumeCache()) {
    this.#cache = cache;
  }

  /**
   * Runs `read` on the file system of `host`'s image (restarted from scratch when an HTTP base
   * had to fetch data first, so it must have no side effects).
   */
  read<T>(host: VolumeHost, partition: PartitionChoice, read: (opened: OpenedFileSystem) => T): Promise<T> {
    return host.run((image, engine) =>
      engine(() => {
        try {
          return read(this.#cache.open(image, partition));
        } catch (error) {
          // A typed answer (no such file, ...) leaves the file system object as it was; anything
          // else (missing base data, an I/O failure) may have stopped it halfway: open it afresh.
          if (!(error instanceof FsError)) this.#cache.drop(image);
          throw error;
        }
      }),
    );
  }

  /** Runs write `operation` on the file system of `host`'s image with `safeWrite`. */
  write<T>(host: VolumeHost, partition: PartitionChoice, operation: WriteOperation<T>): Promise<T> {
    return host.run((image, engine) => safeWrite(image, partition, engine, this.#cache, operation));
  }
}

/** A host over an image in memory or any image run in the caller's own order (tests, Node): tasks run one at a time. */
export function directHost(image: QedImage, engine: EngineRunner = (action) => Promise.resolve().then(action)): VolumeHost {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    snapshot: null,
    run<T>(task: (image: QedImage, engine: EngineRunner) => T | Promise<T>): Promise<T> {
      const result = tail.then(() => task(image, engine));
      tail = result.catch(() => undefined);
      return result;
    },
  };
}
