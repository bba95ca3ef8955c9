/**
 * Errors of the page API, thrown by the worker and the page alike, and the revival of errors that
 * crossed the worker boundary. Errors cross as `{ name, message, stack }` only; `reviveError`
 * turns them back into the typed classes so the page can use `instanceof` as well as `name`.
 */
import { QedError } from '../qed/errors.ts';
import { MESSAGE_ERRORS } from './revivable-errors.ts';

/** An error about one disk of the page API; `diskName` names it. */
export abstract class DiskError extends QedError {
  /** The disk concerned. */
  readonly diskName: string;
  constructor(diskName: string, message: string) {
    super(message);
    this.diskName = diskName;
  }
}

/**
 * A `DiskError` class named `Name`. Declared rather than inferred, so that the published types do
 * not carry the `Error` constructor's host-specific statics (Node's `captureStackTrace`, ...).
 */
export interface DiskErrorClass<Name extends string> {
  /** An error about disk `diskName`, with `message` or the class's default message. */
  new (diskName: string, message?: string): DiskError & { name: Name };
}

/** The base of a `DiskError` class named `name` whose default message is `describe(diskName)`. */
function diskErrorClass<Name extends string>(name: Name, describe: (diskName: string) => string): DiskErrorClass<Name> {
  return class extends DiskError {
    /** The class's stable name, which survives the worker boundary. */
    override name: Name = name;
    constructor(diskName: string, message?: string) {
      super(diskName, message ?? describe(diskName));
    }
  };
}

/** The disk is open in another tab (or another `openDisk` of this page): one user at a time. */
export class DiskBusyError extends diskErrorClass('DiskBusyError', (disk) => `disk "${disk}" is in use by another tab or window`) {}

/** No disk of that name exists (and `create` was not given). */
export class DiskNotFoundError extends diskErrorClass('DiskNotFoundError', (disk) => `disk "${disk}" does not exist`) {}

/** A disk of that name exists already (e.g. as the target of an import). */
export class DiskExistsError extends diskErrorClass('DiskExistsError', (disk) => `disk "${disk}" exists already`) {}

/** Deleting would break something that reads through it: a disk used as a base, or a snapshot a later one or the live overlay sits on. */
export class DiskInUseError extends diskErrorClass('DiskInUseError', (disk) => `disk "${disk}" is the base of another disk or snapshot`) {}

/** The disk has no snapshot with that id. */
export class SnapshotNotFoundError extends diskErrorClass('SnapshotNotFoundError', (disk) => `disk "${disk}" has no such snapshot`) {}

/** Error classes that also carry the disk name. */
const DISK_ERRORS: ReadonlyMap<string, new (diskName: string, message?: string) => DiskError> = new Map<string, new (diskName: string, message?: string) => DiskError>([
  ['DiskBusyError', DiskBusyError],
  ['DiskNotFoundError', DiskNotFoundError],
  ['DiskExistsError', DiskExistsError],
  ['DiskInUseError', DiskInUseError],
  ['SnapshotNotFoundError', SnapshotNotFoundError],
]);

/** An error as it crosses the worker boundary. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
}

/** The name, message and stack of `error`, as they cross the boundary. */
export function toWireError(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  return error.stack === undefined ? { name: error.name, message: error.message } : { name: error.name, message: error.message, stack: error.stack };
}

/**
 * Rebuilds a typed error from one that crossed the worker boundary: an `Error` whose `name` and
 * `message` survived (Comlink) or a `WireError` (the block lane). `diskName` fills in the disk of
 * `Disk*Error`s. Unknown names come back as plain `Error`s with that name; other values come back
 * unchanged; the worker's stack is kept when there is one.
 */
export function reviveError(error: unknown, diskName: string): unknown {
  if (error instanceof QedError) return error;
  const wire = asWireError(error);
  if (!wire) return error;
  const diskError = DISK_ERRORS.get(wire.name);
  const messageError = MESSAGE_ERRORS.get(wire.name);
  const revived = diskError ? new diskError(diskName, wire.message) : messageError ? new messageError(wire.message) : error instanceof Error ? error : new Error(wire.message);
  if (revived.name !== wire.name) revived.name = wire.name;
  if (wire.stack !== undefined) revived.stack = wire.stack;
  return revived;
}

/** `value`'s name, message and stack when it is an `Error` or shaped like a `WireError`; else null. */
function asWireError(value: unknown): WireError | null {
  if (value instanceof Error) return toWireError(value);
  if (typeof value !== 'object' || value === null) return null;
  const name: unknown = Reflect.get(value, 'name');
  const message: unknown = Reflect.get(value, 'message');
  const stack: unknown = Reflect.get(value, 'stack');
  if (typeof name !== 'string' || typeof message !== 'string') return null;
  return typeof stack === 'string' ? { name, message, stack } : { name, message };
}
