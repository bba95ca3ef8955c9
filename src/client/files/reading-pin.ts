/**
 * Reads of a disk that a VM is using go through a snapshot: the worker answers a read of an
 * attached disk with `DiskAttachedError`, and `ReadingPin` then asks it for a snapshot (O(1): the
 * one the disk's overlay sits on when nothing was written since, else a new one, noted in the
 * catalogue with a label) and repeats the read on that snapshot. Later reads stay on it, so they
 * all see the same instant, until `unpin`.
 */
import { DiskAttachedError } from '../../protocol/files-errors.ts';
import type { FilesTarget } from '../../protocol/files.ts';
import { getRecord, putRecord, snapshotRecords } from '../catalogue.ts';
import { callWorker } from '../worker-connection.ts';

/** Label of the snapshots taken for reading while a VM runs. */
export const READING_SNAPSHOT_LABEL = 'files: read while a VM ran';

/** The snapshot reads of one disk go through (given, or pinned on the first read of an attached disk). */
export class ReadingPin {
  readonly #disk: string;
  readonly #base: FilesTarget;
  #snapshot: string | null;
  #pinned = false;
  #pinning: Promise<void> | null = null;

  /** Reads of `base.disk`, of snapshot `base.snapshot` when given (then never another). */
  constructor(base: FilesTarget) {
    this.#disk = base.disk;
    this.#base = { ...base };
    this.#snapshot = base.snapshot ?? null;
  }

  /** The snapshot reads go through now, or null for the live disk. */
  get snapshot(): string | null {
    return this.#snapshot;
  }

  /** True when the snapshot was pinned because a VM was attached (not given by the caller). */
  get pinned(): boolean {
    return this.#pinned;
  }

  /** The target of a read now. */
  readTarget(): FilesTarget {
    return this.#snapshot === null ? { ...this.#base } : { ...this.#base, snapshot: this.#snapshot };
  }

  /** The target of a write: the live disk (or the given snapshot, which the worker refuses to write). */
  writeTarget(): FilesTarget {
    return this.#pinned ? { ...this.#base } : this.readTarget();
  }

  /** Runs read `call`; on `DiskAttachedError` of the live disk, pins a snapshot and runs it again there. */
  async read<T>(call: (target: FilesTarget) => Promise<T>): Promise<T> {
    try {
      return await call(this.readTarget());
    } catch (error) {
      if (!(error instanceof DiskAttachedError) || (this.#snapshot !== null && !this.#pinned)) throw error;
      await this.#pin();
      return call(this.readTarget());
    }
  }

  /** Follows the live disk again (the next read of an attached disk pins a new snapshot). No effect on a given snapshot. */
  unpin(): void {
    if (!this.#pinned) return;
    this.#pinned = false;
    this.#snapshot = null;
  }

  /** Pins a snapshot for reading (one at a time). */
  #pin(): Promise<void> {
    this.#pinning ??= (async () => {
      try {
        const { snapshot, reused } = await callWorker(this.#disk, (api) => api.files.snapshotForReading(this.#disk));
        if (!reused) await noteSnapshot(this.#disk, snapshot.id);
        this.#snapshot = snapshot.id;
        this.#pinned = true;
      } finally {
        this.#pinning = null;
      }
    })();
    return this.#pinning;
  }
}

/** Notes a snapshot taken for reading in the catalogue (label and date). */
async function noteSnapshot(disk: string, id: string): Promise<void> {
  const record = await getRecord(disk);
  if (!record) return;
  const note = { id, label: READING_SNAPSHOT_LABEL, createdAt: Date.now() };
  await putRecord({ ...record, snapshots: [...snapshotRecords(record).filter((entry) => entry.id !== id), note] });
}
