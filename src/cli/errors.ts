/** Errors of the command-line layer, and turning any error into one line for stderr. */
import { QedArgumentError, QedError } from '../qed/errors.ts';

/** A bad command line: unknown option, missing argument, malformed size. Exit status 1. */
export class CliUsageError extends QedArgumentError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'CliUsageError';
}

/** The run was stopped by a signal; carries the exit status a shell expects (130 for SIGINT). */
export class CliInterruptedError extends QedError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'CliInterruptedError';
  /** Exit status to end with. */
  readonly exitStatus: number;
  constructor(message: string, exitStatus: number) {
    super(message);
    this.exitStatus = exitStatus;
  }
}

/** Short descriptions of the file-system error codes people actually meet. */
const SYSTEM_ERROR_TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  EEXIST: 'file exists',
  EBUSY: 'resource busy',
  EXDEV: 'cannot rename across file systems',
  EMFILE: 'too many open files',
};

/** How an error is reported: its one-line text, and whether it is a bug rather than a user error. */
export interface ErrorReport {
  /** One line, without the `qedisk: ` prefix. */
  message: string;
  /** True for errors qedisk did not raise on purpose (a stack trace may help with those). */
  unexpected: boolean;
}

/** Describes `error` in one line: qedisk's own errors as they are, file-system errors by path and cause. */
export function describeError(error: unknown): ErrorReport {
  if (error instanceof QedError) return { message: oneLine(error.message), unexpected: false };
  const system = asSystemError(error);
  if (system) {
    const text = SYSTEM_ERROR_TEXT[system.code] ?? system.message;
    return { message: oneLine(system.path === undefined ? text : `${system.path}: ${text}`), unexpected: false };
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { message: `internal error: ${oneLine(message)}`, unexpected: true };
}

/** Prefixes the message of `error` with `path` when it is one of qedisk's own errors; returns it. */
export function withPath(error: unknown, path: string): unknown {
  if (error instanceof QedError && !error.message.startsWith(`${path}: `)) error.message = `${path}: ${error.message}`;
  return error;
}

/** The fields of a Node.js system error (`ENOENT` and friends) that matter here. */
interface SystemError {
  code: string;
  message: string;
  path?: string;
}

/** Narrows `error` to a Node.js system error, or returns null. */
function asSystemError(error: unknown): SystemError | null {
  if (!(error instanceof Error) || !('code' in error) || typeof error.code !== 'string' || !('syscall' in error)) return null;
  const path = 'path' in error && typeof error.path === 'string' ? error.path : undefined;
  return { code: error.code, message: error.message, ...(path === undefined ? {} : { path }) };
}

/** Collapses line breaks so the report stays one line. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
