/**
 * The reliability harness page's module: puts the page API, the stream runner and inspection
 * helpers on `window.reliability` for Playwright's `page.evaluate`. Loaded by `index.html`.
 */
import { clear, createStore } from 'idb-keyval';
import { setQuotaLimitForTesting } from '../harness/test-worker-control.ts';
import * as qedisk from '../../../src/index.ts';
import type { Disk } from '../../../src/protocol/types.ts';
import type { CheckReport } from '../../../src/engine/types.ts';
import { QedError } from '../../../src/qed/errors.ts';
import { rawFile, readWhole, toBase64 } from './page-bytes.ts';
import { runWithReadBack, startStream, stopStream } from './streams.ts';

/** A failed call as the page saw it. */
export interface ErrorSummary {
  /** `error.name`. */
  name: string;
  /** `error.message`. */
  message: string;
  /** True when the page got an instance of the `QedError` family. */
  isQedError: boolean;
}

/** What a disk looks like when opened after its previous page died. */
export interface Inspection {
  /** The need-check bit as the dead page left it (seen by a read-only open). */
  needsCheckBefore: boolean;
  /** `check()` of the image as the dead page left it, before any repair. */
  checkBefore: CheckReport;
  /** The `.qed` file as the dead page left it, base64. */
  rawBase64: string;
  /** The backing name in its header (an overlay on a base), or null. */
  backingFile: string | null;
  /** The need-check bit after the read-write (repairing) open. */
  needsCheckAfter: boolean;
  /** `check()` after the read-write open. */
  checkAfter: CheckReport;
  /** Every guest byte after the read-write open, base64. */
  contentBase64: string;
}

/** Disks kept open between `page.evaluate` calls, by name. */
const disks = new Map<string, Disk>();

/** The disk kept open under `name`; throws when there is none. */
function kept(name: string): Disk {
  const disk = disks.get(name);
  if (!disk) throw new Error(`no disk "${name}" is kept open in this page`);
  return disk;
}

/** Opens disk `name` (creating it with `create`) and keeps it open under its name. */
async function keepOpen(name: string, options: qedisk.OpenDiskOptions = {}): Promise<number> {
  const disk = await qedisk.openDisk(name, options);
  disks.set(name, disk);
  return disk.size;
}

/** Closes the kept disk `name`. */
async function closeKept(name: string): Promise<void> {
  await kept(name).close();
  disks.delete(name);
}

/** Empties OPFS and the disk catalogue (call before opening any disk). */
async function resetStorage(): Promise<void> {
  const root = await navigator.storage.getDirectory();
  const names: string[] = [];
  for await (const [name] of root.entries()) names.push(name);
  for (const name of names) await root.removeEntry(name, { recursive: true });
  await clear(createStore('qedisk', 'disks'));
}

/** Every path in OPFS (folders end with '/'), sorted. */
async function opfsPaths(): Promise<string[]> {
  const paths: string[] = [];
  const walk = async (folder: FileSystemDirectoryHandle, prefix: string): Promise<void> => {
    for await (const [name, handle] of folder.entries()) {
      if (handle.kind === 'directory') {
        paths.push(`${prefix}${name}/`);
        await walk(await folder.getDirectoryHandle(name), `${prefix}${name}/`);
      } else {
        paths.push(`${prefix}${name}`);
      }
    }
  };
  await walk(await navigator.storage.getDirectory(), '');
  return paths.sort();
}

/** What storage holds, for "changes nothing" checks. */
export interface StorageSnapshot {
  /** `listDisks()` names and sizes. */
  listed: Array<{ name: string; size: number }>;
  /** Every OPFS path. */
  paths: string[];
  /** Each disk file's bytes (base64), by disk name; read while no disk is open. */
  files: Record<string, string>;
}

/** Takes a `StorageSnapshot` (call while no disk is open, so every file is readable and settled). */
async function storageSnapshot(): Promise<StorageSnapshot> {
  const listed = (await qedisk.listDisks()).map((record) => ({ name: record.name, size: record.size }));
  const files: Record<string, string> = {};
  for (const { name } of listed) files[name] = toBase64(await rawFile(name));
  return { listed, paths: await opfsPaths(), files };
}

/**
 * Opens disk `name` after its previous page died: first read-only (the image as left, and the
 * check of it), then read-write (repairing when the need-check bit is set), then reads it whole.
 */
async function inspect(name: string): Promise<Inspection> {
  const left = await qedisk.openDisk(name, { readOnly: true });
  const { needsCheck: needsCheckBefore, backingFile } = await left.info();
  const checkBefore = await left.check();
  const raw = await rawFile(name);
  await left.close();
  const disk = await qedisk.openDisk(name);
  try {
    const needsCheckAfter = (await disk.info()).needsCheck;
    const checkAfter = await disk.check();
    const content = await readWhole(disk);
    return { needsCheckBefore, checkBefore, rawBase64: toBase64(raw), backingFile, needsCheckAfter, checkAfter, contentBase64: toBase64(content) };
  } finally {
    await disk.close();
  }
}

/** Runs `action`; resolves with a summary of its error, or null when it succeeded. */
async function errorOf(action: () => unknown): Promise<ErrorSummary | null> {
  try {
    await action();
    return null;
  } catch (error) {
    if (!(error instanceof Error)) return { name: typeof error, message: String(error), isQedError: false };
    return { name: error.name, message: error.message, isQedError: error instanceof QedError };
  }
}

/** Calls `method` of `target` with `args` as they are, past the TypeScript signature (for bad input). */
function callLoosely(target: object, method: string, args: readonly unknown[]): unknown {
  const fn: unknown = Reflect.get(target, method);
  if (typeof fn !== 'function') throw new Error(`${method} is not a function`);
  const result: unknown = Reflect.apply(fn, target, args);
  return result;
}

/** Everything the specs reach through `window.reliability`. */
const reliability = {
  qedisk,
  setQuotaLimitForTesting,
  runWithReadBack,
  startStream,
  stopStream,
  disks,
  kept,
  keepOpen,
  closeKept,
  resetStorage,
  opfsPaths,
  storageSnapshot,
  rawFile,
  toBase64,
  readWhole,
  inspect,
  errorOf,
  callLoosely,
};

/** The type of `window.reliability`. */
export type ReliabilityHarness = typeof reliability;

declare global {
  interface Window {
    /** Set by the reliability harness page once loaded. */
    reliability: ReliabilityHarness;
  }
}

window.reliability = reliability;
document.getElementById('status')?.replaceChildren('ready');
