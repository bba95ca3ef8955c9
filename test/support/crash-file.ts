/**
 * A fault-injecting `SyncFile` for crash tests. It keeps what is durable (as of the last
 * completed `flush`) apart from the writes issued since, can stop the world at the k-th write,
 * and then produces the file a crash could leave behind: the durable bytes plus any subset of
 * the later writes, in issue order, with the last one possibly torn at 512-byte sectors.
 */
import { MemoryFile } from '../../src/backends/memory-file.ts';
import type { FileRange, SyncFile } from '../../src/engine/sync-file.ts';

/** Thrown when the configured crash point is reached. */
export class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

/** A write issued after the last completed flush. */
interface PendingWrite {
  at: number;
  data: Uint8Array;
}

/** Which of the pending writes land when the crash is materialised. */
export interface CrashOutcome {
  /** For each pending write in order: true if it lands. */
  lands: (index: number, count: number) => boolean;
  /** Sectors of a landing write that reach the disk (a torn write keeps only some). */
  keepSector: (writeIndex: number, sector: number) => boolean;
}

/** Sector size in bytes: the unit a torn write keeps or loses. */
const SECTOR_BYTES = 512;

/** A `SyncFile` that can crash after a given number of writes. */
export class CrashFile implements SyncFile {
  /** Writes issued so far. */
  writes = 0;
  /** Crash when the write counter reaches this number (that write is issued, then the world stops). */
  crashAfter = Number.POSITIVE_INFINITY;
  #durable: Uint8Array;
  readonly #current: MemoryFile;
  #pending: PendingWrite[] = [];
  #crashed = false;

  /** Starts from `initial` bytes, all durable. */
  constructor(initial: Uint8Array) {
    this.#durable = initial.slice();
    this.#current = new MemoryFile(initial);
  }

  read(buffer: Uint8Array, range: FileRange): number {
    this.#assertAlive();
    return this.#current.read(buffer, range);
  }

  write(buffer: Uint8Array, range: FileRange): number {
    this.#assertAlive();
    this.#pending.push({ at: range.at, data: buffer.slice() });
    const written = this.#current.write(buffer, range);
    this.writes++;
    if (this.writes >= this.crashAfter) {
      this.#crashed = true;
      throw new SimulatedCrash(`crash after write ${this.writes}`);
    }
    return written;
  }

  getSize(): number {
    this.#assertAlive();
    return this.#current.getSize();
  }

  truncate(size: number): void {
    this.#assertAlive();
    this.#current.truncate(size);
    this.flush();
  }

  flush(): void {
    this.#assertAlive();
    this.#durable = this.#current.snapshot();
    this.#pending = [];
  }

  close(): void {}

  /** Number of writes not yet covered by a flush. */
  get pendingCount(): number {
    return this.#pending.length;
  }

  /** The bytes a crash now could leave on disk, given which pending writes (and sectors) land. */
  materialise(outcome: CrashOutcome): Uint8Array {
    const file = new MemoryFile(this.#durable);
    this.#pending.forEach((write, index) => {
      if (!outcome.lands(index, this.#pending.length)) return;
      for (let sector = 0; sector * SECTOR_BYTES < write.data.byteLength; sector++) {
        if (!outcome.keepSector(index, sector)) continue;
        const piece = write.data.subarray(sector * SECTOR_BYTES, (sector + 1) * SECTOR_BYTES);
        file.write(piece, { at: write.at + sector * SECTOR_BYTES });
      }
    });
    return file.snapshot();
  }

  #assertAlive(): void {
    if (this.#crashed) throw new SimulatedCrash('the world has stopped');
  }
}
