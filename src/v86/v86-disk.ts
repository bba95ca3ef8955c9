/**
 * `toV86Disk`: turns a qedisk `Disk` into the hard-disk object v86 (0.5.462) takes as `hda`/`hdb`.
 *
 * v86 treats any object with `get`, `set` and `load` as a disk. What it calls, and what this
 * adapter guarantees:
 * - `load()` then `onload()`: the disk is ready as soon as `toV86Disk` resolves.
 * - `byteLength`: the virtual size in bytes (a multiple of 512).
 * - `get_and_cache(0, 512, cb)` / `get_from_cache(0, 512)`: sector 0 is read before v86 starts and
 *   kept current, because v86 asks for it synchronously (CHS geometry).
 * - `get(start, length, cb, {signal})`: the read is issued at once (so it is ordered after every
 *   earlier write) and `cb` gets a fresh buffer; a read aborted by a controller reset never calls back.
 * - `set(start, data, cb)`: `data` is copied before `set` returns (BIOS int 13h reuses the buffer at
 *   once) and the write is issued before `set` returns, so a later read sees it; `cb` runs when the
 *   disk has taken the write.
 *
 * v86's buffer callbacks carry data only: its IDE code (`read_buffer`, `do_write`,
 * `do_ata_write_sectors_dma` in libv86.mjs) has no way to complete a request with an error, and it
 * sets an error status only for requests past the end of the disk. So a failed request never calls
 * back, and every failure goes to `onError` at once. What the guest then sees:
 * - DMA reads and writes (Linux): the drive stays busy; after its 30 s command timeout libata
 *   resets the link (v86 aborts the pending read's `signal`) and retries; when the retries fail too
 *   (about 3.5 min in all, measured) the request fails with an I/O error (`dd: Input/output error`,
 *   "Buffer I/O error ... lost async page write"). libata also lowers the DMA mode after errors.
 * - PIO writes (BIOS int 13h, or Linux once it fell back to PIO): v86 completes them without
 *   waiting for the callback, so the guest believes they succeeded; only `onError` knows.
 * - PIO reads: the drive stays busy, as for DMA.
 */
import type { Disk } from '../protocol/types.ts';
import { QedArgumentError } from '../qed/errors.ts';
import { IdleFlush } from './idle-flush.ts';
import type { VmDiskIdentity } from '../protocol/vm-saves.ts';
import { SavePointTracker } from './save-point.ts';
import { type V86DiskStats, emptyStats } from './v86-disk-stats.ts';

export type { V86DiskStats } from './v86-disk-stats.ts';

/** Bytes per sector, as v86 addresses the disk. */
const SECTOR_SIZE_BYTES = 512;

/** Default quiet time, in milliseconds, without guest requests before written data is flushed. */
export const DEFAULT_IDLE_FLUSH_MS = 1000;

/** Default longest wait, in milliseconds, of written data for a flush while the guest stays busy. */
export const DEFAULT_MAX_FLUSH_DELAY_MS = 5000;

/** A request that failed, as given to `onError`. Offsets and lengths in bytes. */
export interface V86DiskFailure {
  /** What failed: a guest read or write, or the adapter's idle flush. */
  op: 'read' | 'write' | 'flush';
  /** Guest offset of the request (0 for a flush). */
  start: number;
  /** Length of the request (0 for a flush). */
  length: number;
  /** What the disk threw; across a worker it is an `Error` whose `name` survives. */
  error: unknown;
}

/** Options of `toV86Disk`. */
export interface V86DiskOptions {
  /** Called once per failed request; the guest is not told (see the module comment). */
  onError?: (failure: V86DiskFailure) => void;
  /**
   * Milliseconds without guest requests (reads or writes) after which the adapter calls
   * `disk.flush()` when the guest has written since the last flush: v86 completes the guest's ATA
   * FLUSH CACHE on its own, so this is what makes guest writes durable. 0 turns it off. Default
   * `DEFAULT_IDLE_FLUSH_MS`.
   */
  idleFlushMs?: number;
  /**
   * Milliseconds after a guest write completed by which the adapter flushes even if the guest
   * never pauses. Default `DEFAULT_MAX_FLUSH_DELAY_MS` (at least `idleFlushMs`).
   */
  maxFlushDelayMs?: number;
  /** Called after each guest read or write completes, with its guest offset and length in bytes. */
  onAccess?: (op: 'read' | 'write', start: number, length: number) => void;
}

/** Options v86 passes to `get`. */
export interface V86GetOptions {
  /** Aborted when the IDE controller resets and drops the request. */
  signal?: AbortSignal;
}

/** The disk object v86 takes as `hda`/`hdb`, plus statistics and a flush for the page. */
export interface V86Disk {
  /** Virtual size in bytes, a multiple of 512. */
  readonly byteLength: number;
  /** Set by v86 before `load()`; called once when the disk is ready. */
  onload: ((event?: unknown) => void) | undefined;
  /** Set by v86; never called (there is nothing to download). */
  onprogress: ((event?: unknown) => void) | undefined;
  /** v86 calls this at start; it calls `onload` in a microtask. */
  load(): void;
  /** Reads `length` bytes at `start`; `callback` receives a buffer it may keep. */
  get(start: number, length: number, callback: (data: Uint8Array) => void, options?: V86GetOptions): void;
  /** Copies `data` and writes it at `start`; `callback` runs once the disk has taken it. */
  set(start: number, data: Uint8Array, callback: () => void): void;
  /** Same as `get` (sector 0 comes from the cache). */
  get_and_cache(start: number, length: number, callback: (data: Uint8Array) => void, options?: V86GetOptions): void;
  /** Synchronous read, only for sector 0 (`start` 0, `length` <= 512); `undefined` otherwise. */
  get_from_cache(start: number, length: number): Uint8Array | undefined;
  /**
   * Saved with a v86 state: never disk bytes (the contents live in the disk), only the disk size
   * and, when the disk holds exactly one VM save's snapshot (`setSavePoint`), that snapshot's identity.
   */
  get_state(): unknown[];
  /**
   * Called by v86's `restore_state`: throws `VmSaveMismatchError` for a state of another disk size,
   * or one bound to a snapshot the disk does not hold exactly now (see `restoreVm`).
   */
  set_state(state: unknown): void;
  /** The disk under the adapter. */
  readonly disk: Disk;
  /** The VM save snapshot the disk holds exactly now (no guest write since), or null. */
  savePoint(): VmDiskIdentity | null;
  /** Tells the adapter the disk now holds exactly snapshot `identity` (null: forget); the next guest write clears it. */
  setSavePoint(identity: VmDiskIdentity | null): void;
  /** Reads sector 0 again (for v86's geometry lookup) after the disk's contents changed beneath the adapter. */
  reloadSectorZero(): Promise<void>;
  /** A snapshot of the counters since the adapter was made. */
  stats(): V86DiskStats;
  /** Resolves when every request issued so far has finished (failed ones included). */
  settled(): Promise<void>;
  /** Waits for issued requests, then flushes the disk. Rejects if the flush fails. */
  flush(): Promise<void>;
  /**
   * Call when the VM has stopped: stops the idle-flush timer (requests still work, but nothing is
   * flushed on its own) and tells the disk no VM uses it any more, so the files API may write its
   * file system again (`Disk.setAttached`). Resolves when the disk took note; idempotent.
   */
  detach(): Promise<void>;
}

/**
 * Wraps `disk` for v86. Reads sector 0 first (so the returned promise rejects if the disk cannot be
 * read). The adapter does not own `disk`: flush and close it yourself when the VM stops.
 *
 * The adapter cannot see the guest's page cache: a file the guest writes reaches the adapter only
 * when the guest's kernel writes it back, which Linux does 30 s after the write by default. Until
 * then a page reload, a closed tab or `emulator.stop()` loses it, although every request the
 * adapter got is kept. For "nothing is lost a few seconds after it was written", the guest must
 * write back soon (Linux, e.g. in its init: `echo 100 > /proc/sys/vm/dirty_writeback_centisecs`
 * and `echo 100 > /proc/sys/vm/dirty_expire_centisecs`, in hundredths of a second), and the page
 * should ask the guest to `sync` and wait for its answer before it stops the emulator (over a
 * serial port, say; the demo's `scripts/guest-init.sh` runs an agent on COM2 for this). What the
 * adapter got is durable after `flush()`, and on its own `idleFlushMs` after the guest went quiet.
 */
export async function toV86Disk(disk: Disk, options: V86DiskOptions = {}): Promise<V86Disk> {
  const byteLength = disk.size;
  if (!Number.isSafeInteger(byteLength) || byteLength < SECTOR_SIZE_BYTES || byteLength % SECTOR_SIZE_BYTES !== 0) {
    throw new QedArgumentError(`v86 needs a disk size that is a positive multiple of 512 bytes, got ${byteLength}`);
  }
  const sectorZero = await disk.read(0, SECTOR_SIZE_BYTES);
  // From here until detach() (or the disk's close) file writes to the disk are refused: the guest mounts it.
  await disk.setAttached?.(true);
  return new V86DiskAdapter(disk, byteLength, sectorZero.slice(), options);
}

/** The adapter behind `toV86Disk`. */
class V86DiskAdapter implements V86Disk {
  readonly byteLength: number;
  onload: ((event?: unknown) => void) | undefined;
  onprogress: ((event?: unknown) => void) | undefined;
  readonly #disk: Disk;
  readonly #sectorZero: Uint8Array;
  readonly #onError: ((failure: V86DiskFailure) => void) | undefined;
  readonly #idleFlush: IdleFlush;
  readonly #onAccess: V86DiskOptions['onAccess'];
  readonly #stats: V86DiskStats = emptyStats();
  readonly #inFlight = new Set<Promise<void>>();
  /** True once `detach()` told the disk the VM is gone. */
  #detached = false;
  readonly #savePoint = new SavePointTracker();

  constructor(disk: Disk, byteLength: number, sectorZero: Uint8Array, options: V86DiskOptions) {
    this.#disk = disk;
    this.byteLength = byteLength;
    this.#sectorZero = sectorZero;
    this.#onError = options.onError;
    this.#idleFlush = new IdleFlush(options.idleFlushMs ?? DEFAULT_IDLE_FLUSH_MS, options.maxFlushDelayMs ?? DEFAULT_MAX_FLUSH_DELAY_MS, () => {
      this.flush().catch((error: unknown) => this.#fail({ op: 'flush', start: 0, length: 0, error }));
    });
    this.#onAccess = options.onAccess;
  }

  load(): void {
    queueMicrotask(() => this.onload?.({}));
  }

  get(start: number, length: number, callback: (data: Uint8Array) => void, options?: V86GetOptions): void {
    const signal = options?.signal;
    this.#idleFlush.noteRequest();
    this.#track(
      this.#disk.read(start, length).then(
        (data) => {
          this.#idleFlush.noteRequest();
          this.#stats.reads += 1;
          this.#stats.bytesRead += data.byteLength;
          if (!signal?.aborted) callback(data);
          this.#onAccess?.('read', start, length);
        },
        (error: unknown) => this.#fail({ op: 'read', start, length, error }),
      ),
    );
  }

  set(start: number, data: Uint8Array, callback: () => void): void {
    const length = data.byteLength;
    const copy = data.slice(); // v86 reuses `data` at once (int 13h does not wait for the callback)
    this.#savePoint.written(); // from now on the disk differs from any snapshot
    // Sector 0 is cached for v86's synchronous geometry lookup: it changes when the disk does.
    const sectorZeroPart = start < SECTOR_SIZE_BYTES ? copy.slice(0, SECTOR_SIZE_BYTES - start) : null;
    this.#idleFlush.noteRequest();
    this.#track(
      this.#disk.write(start, copy, { transfer: true }).then(
        () => {
          if (sectorZeroPart) this.#sectorZero.set(sectorZeroPart, start);
          this.#stats.writes += 1;
          this.#stats.bytesWritten += length;
          this.#idleFlush.noteWrite();
          callback();
          this.#onAccess?.('write', start, length);
        },
        (error: unknown) => this.#fail({ op: 'write', start, length, error }),
      ),
    );
  }

  get_and_cache(start: number, length: number, callback: (data: Uint8Array) => void, options?: V86GetOptions): void {
    const cached = this.get_from_cache(start, length);
    if (cached) queueMicrotask(() => callback(cached));
    else this.get(start, length, callback, options);
  }

  get_from_cache(start: number, length: number): Uint8Array | undefined {
    if (start !== 0 || length > SECTOR_SIZE_BYTES) return undefined;
    return this.#sectorZero.slice(0, length);
  }

  get disk(): Disk {
    return this.#disk;
  }

  get_state(): unknown[] {
    return this.#savePoint.state(this.byteLength);
  }

  set_state(state: unknown): void {
    this.#savePoint.accept(state, this.byteLength);
  }

  savePoint(): VmDiskIdentity | null {
    return this.#savePoint.identity;
  }

  setSavePoint(identity: VmDiskIdentity | null): void {
    this.#savePoint.set(identity);
  }

  async reloadSectorZero(): Promise<void> {
    this.#sectorZero.set(await this.#disk.read(0, SECTOR_SIZE_BYTES));
  }

  stats(): V86DiskStats {
    return { ...this.#stats, inFlight: this.#inFlight.size };
  }

  async settled(): Promise<void> {
    await Promise.all([...this.#inFlight]);
  }

  async flush(): Promise<void> {
    await this.settled();
    this.#idleFlush.flushing();
    await this.#disk.flush();
    this.#stats.flushes += 1;
  }

  async detach(): Promise<void> {
    this.#idleFlush.stop();
    if (this.#detached) return;
    this.#detached = true;
    await this.#disk.setAttached?.(false);
  }

  #track(request: Promise<void>): void {
    // Disk failures are handled where the request is made; this catches a throwing callback.
    const done = request
      .catch((error: unknown) => console.error('qedisk: a v86 disk callback threw', error))
      .finally(() => this.#inFlight.delete(done));
    this.#inFlight.add(done);
  }

  #fail(failure: V86DiskFailure): void {
    this.#stats.errors += 1;
    if (this.#onError) this.#onError(failure);
    else console.error(`qedisk: v86 disk ${failure.op} at ${failure.start} (${failure.length} bytes) failed`, failure.error);
  }
}
