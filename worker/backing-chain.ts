/**
 * `BackingChain`: the files under one open disk (its base, its snapshots, an HTTP base's cache)
 * and the bridge between the synchronous engine and asynchronous storage and network.
 *
 * The engine asks for backing files synchronously (`resolve`), but opening an OPFS handle or an
 * HTTP base's cache is asynchronous. So `open` runs the engine's open; when the engine asks for a
 * file not prepared yet, the resolver notes the name and fails, `open` prepares that file and
 * runs the open again. Likewise every engine request runs through `runWithBacking`: a read of an
 * HTTP base chunk that is not cached yet fails with `BackingDataPendingError`, the chunks are
 * fetched into the OPFS cache, and the request runs again. Engine requests are restartable, and
 * the page only ever awaits a promise: it never blocks.
 */
import { type RemoteBase, leaseRemoteBase, remoteBaseStatus } from './remote-bases.ts';
import { type BackingDataPendingError, assertAllowedUrl, runWithBacking } from '../src/backends/remote/index.ts';
import { type BackingFileKind, classifyBackingFileName, diskNameOfBackingFile, isUrlBackingName } from '../src/protocol/base-names.ts';
import type { ChainLevel, RemoteBaseStatus } from '../src/protocol/types.ts';
import type { BackingRequest, BackingResolver } from '../src/engine/types.ts';
import type { SyncFile } from '../src/engine/sync-file.ts';
import { QedBackingError } from '../src/qed/errors.ts';
import { InflatePendingError, hasNativeRawInflate, nativeRawInflate, runDeferringInflate } from '../src/formats/codec/deferred-inflate.ts';
import { CountedFile, type ReadCounter } from './counted-file.ts';
import { acquireSharedDiskLock } from './disk-lock.ts';
import { findFile, openReadOnly } from './opfs-folder.ts';

/** Whether this browser decodes raw DEFLATE natively (checked once). */
const NATIVE_INFLATE = hasNativeRawInflate();
/** Rounds of native decoding one action may take before its clusters are decoded synchronously (each round decodes at least one). */
const MAX_INFLATE_ROUNDS = 256;

/** Most backing files one open may prepare (the engine refuses chains deeper than 64). */
const MAX_PREPARED_PER_OPEN = 66;

/** A prepared backing file. */
interface Level {
  kind: BackingFileKind | 'url';
  file: SyncFile;
  counter: ReadCounter;
  remote: RemoteBase | null;
  release(): void;
}

/** The backing files of one disk, prepared on demand and kept open until pruned or closed. */
export class BackingChain {
  readonly #folder: FileSystemDirectoryHandle;
  readonly #diskName: string;
  readonly #allowedOrigins: readonly string[];
  readonly #levels = new Map<string, Level>();
  /** Backing names the last open used, by depth - 1. */
  #order: string[] = [];
  #missing: string | null = null;
  #releases = 0;

  /** A chain for disk `diskName` in `folder`; HTTP bases may come from the page's origin and `allowedOrigins`. */
  constructor(folder: FileSystemDirectoryHandle, diskName: string, allowedOrigins: readonly string[]) {
    this.#folder = folder;
    this.#diskName = diskName;
    this.#allowedOrigins = [...allowedOrigins];
  }

  /** The origins besides the page's own that HTTP bases may come from. */
  get allowedOrigins(): readonly string[] {
    return this.#allowedOrigins;
  }

  /**
   * How many prepared files the chain has let go of so far (pruned or closed). A loan taken from
   * `resolve` may read a closed file once this has changed since.
   */
  get releases(): number {
    return this.#releases;
  }

  /** The engine's resolver: a counted loan of a prepared file, or a noted miss for `open` to prepare. */
  readonly resolve: BackingResolver = ({ name, depth }: BackingRequest) => {
    const level = this.#levels.get(name);
    if (!level) {
      this.#missing = name;
      throw new QedBackingError(`backing file "${name}" is not open yet`);
    }
    this.#order[depth - 1] = name;
    return new CountedFile(level.file, level.counter);
  };

  /**
   * Runs `open` (a `QedImage.open` or `create` given `this.resolve`) until the backing files it
   * needs are prepared, then closes the prepared files it did not use. Rejects with what `open`
   * throws otherwise, or with the failure to prepare a file (`QedBackingError` for a name that is
   * not allowed or not found, `DiskBusyError` for a base open for writing, `QedIoError` offline).
   */
  async open<T>(open: () => T): Promise<T> {
    for (let prepared = 0; ; prepared++) {
      this.#missing = null;
      this.#order = [];
      try {
        const result = await this.#run(open, false);
        this.#prune();
        return result;
      } catch (error) {
        const missing = this.#missing;
        if (missing === null || prepared >= MAX_PREPARED_PER_OPEN) throw error;
        this.#levels.set(missing, await this.#prepare(missing));
      }
    }
  }

  /**
   * Runs engine `action`, fetching missing HTTP base chunks and retrying as needed. Compressed
   * clusters of a qcow2 base are decoded by the browser's native `DecompressionStream` between
   * tries (`deferred-inflate.ts`), several times faster than the engine's own decoder.
   */
  run<T>(action: () => T): Promise<T> {
    return this.#run(action, true);
  }

  /** `run`; `guestRead` false for an open (the formats' header and table reads start no read-ahead). */
  async #run<T>(action: () => T, guestRead: boolean): Promise<T> {
    const attempt = NATIVE_INFLATE ? () => runDeferringInflate(nativeRawInflate, action) : action;
    for (let round = 0; ; round++) {
      const once = round < MAX_INFLATE_ROUNDS ? attempt : action;
      try {
        if (!this.remoteBase()) return once();
        return await runWithBacking(once, { load: (error) => this.#load(error, guestRead) });
      } catch (error) {
        if (!(error instanceof InflatePendingError)) throw error;
        await error.settle();
      }
    }
  }

  /** The HTTP base the chain uses, or null. */
  remoteBase(): RemoteBase | null {
    for (const level of this.#levels.values()) if (level.remote) return level.remote;
    return null;
  }

  /** Cache status of the HTTP base, or null. */
  remoteStatus(): RemoteBaseStatus | null {
    const remote = this.remoteBase();
    return remote ? remoteBaseStatus(remote) : null;
  }

  /** The levels the last open used, the direct base first, with their read counters. */
  levels(): ChainLevel[] {
    return this.#order.flatMap((name) => {
      const level = this.#levels.get(name);
      return level ? [{ name, kind: level.kind, reads: level.counter.reads, bytesRead: level.counter.bytesRead }] : [];
    });
  }

  /** Closes every prepared file and lets go of locks and HTTP bases. Idempotent. */
  close(): void {
    const levels = [...this.#levels.values()];
    this.#levels.clear();
    this.#order = [];
    this.#releases += levels.length;
    for (const level of levels) level.release();
  }

  /**
   * Fetches the chunks `error` lists with the fetcher of its base: a guest's read may read ahead
   * (`RangeFetcher.load`); an open's reads (the formats' headers and tables) fetch only what
   * they ask for (`fetchChunks`), so they start no read-ahead.
   */
  async #load(error: BackingDataPendingError, guestRead: boolean): Promise<void> {
    for (const level of this.#levels.values()) {
      const fetcher = level.remote?.url === error.url ? level.remote.fetcher : null;
      if (fetcher) return guestRead ? fetcher.load(error) : fetcher.fetchChunks(error.ranges);
    }
    throw error;
  }

  /** Closes the prepared files the last open did not use. */
  #prune(): void {
    const used = new Set(this.#order);
    for (const [name, level] of this.#levels) {
      if (used.has(name)) continue;
      this.#levels.delete(name);
      this.#releases++;
      level.release();
    }
  }

  /** Opens backing file `name`: an HTTP base, or a file of the folder (read-only, with its owner's shared lock). */
  async #prepare(name: string): Promise<Level> {
    const counter: ReadCounter = { reads: 0, bytesRead: 0 };
    if (isUrlBackingName(name)) {
      const lease = await leaseRemoteBase(assertAllowedUrl(name, self.location.origin, this.#allowedOrigins));
      return { kind: 'url', file: lease.base.reader, counter, remote: lease.base, release: () => lease.release() };
    }
    const kind = classifyBackingFileName(name);
    const owner = diskNameOfBackingFile(name, kind);
    if (owner === this.#diskName && kind !== 'snapshot') throw new QedBackingError(`disk "${owner}" cannot be its own base`);
    const lock = owner === this.#diskName ? null : await acquireSharedDiskLock(owner);
    try {
      const handle = await findFile(this.#folder, name);
      if (!handle) throw new QedBackingError(`backing file "${name}" is not in this origin's qedisk folder`);
      const file = await openReadOnly(handle, name);
      return {
        kind,
        file,
        counter,
        remote: null,
        release: () => {
          try {
            file.close();
          } finally {
            lock?.release();
          }
        },
      };
    } catch (error) {
      lock?.release();
      throw error;
    }
  }
}
