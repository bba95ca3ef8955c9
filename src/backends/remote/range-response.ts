/**
 * One HTTP Range exchange: sending the request and checking the answer before any byte of it may
 * reach the cache (status, `Content-Range`, size, validators, body length).
 */
import { QedBackingError, QedIoError } from '../../qed/errors.ts';
import { parseContentRange, rangeHeader } from './content-range.ts';
import { type RemoteIdentity, assertSameSize, assertSameValidators, validatorsOf } from './remote-identity.ts';
import { describe, discardBody, readBodyExactly } from './response-body.ts';

/** The `fetch` signature used (the global `fetch` fits; tests and workers may pass their own). */
export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

/** Remote bytes that passed every check: `bytes` are the file's bytes from offset `at`. */
export interface CheckedBytes {
  /** Offset in the remote file, in bytes. */
  readonly at: number;
  /** The bytes, owned by the caller. */
  readonly bytes: Uint8Array;
}

/**
 * Requests remote bytes `[start, end)` of `url`. Throws `QedIoError` when the request fails
 * (offline, connection refused, aborted).
 */
export async function sendRange(fetchFn: FetchFunction, url: string, start: number, end: number, signal?: AbortSignal): Promise<Response> {
  try {
    return await fetchFn(url, { headers: { Range: rangeHeader(start, end) }, ...(signal ? { signal } : {}) });
  } catch (error) {
    throw new QedIoError(`cannot fetch bytes ${start}-${end - 1} of ${url}: ${describe(error)}`, error);
  }
}

/**
 * Checks `response` to a request for bytes `[start, end)` of the file `recorded` describes and
 * reads its body. A `206` must carry exactly the requested range; a `200` (a server ignoring
 * Range) is accepted only when the whole file is at most `smallFileBytes` long. Throws
 * `QedBackingChangedError` when the size or a validator differs from `recorded`,
 * `QedBackingError` for any other wrong answer, `QedIoError` for a transient failure
 * (5xx, 408, 429, a broken connection).
 */
export async function readRangeResponse(response: Response, start: number, end: number, recorded: RemoteIdentity, smallFileBytes: number): Promise<CheckedBytes> {
  const what = `bytes ${start}-${end - 1} of ${recorded.url}`;
  try {
    assertSameValidators(recorded, validatorsOf(response.headers));
    if (response.status === 206) {
      const range = parseContentRange(response.headers.get('content-range'));
      if (range === null || range.kind !== 'range') throw new QedBackingError(`${what}: 206 without a valid Content-Range`);
      if (range.total !== null) assertSameSize(recorded, range.total);
      if (range.start !== start || range.end !== end) {
        throw new QedBackingError(`${what}: the server sent bytes ${range.start}-${range.end - 1} instead`);
      }
      return { at: start, bytes: await readBodyExactly(response, end - start, what) };
    }
    if (response.status === 200) {
      const declared = response.headers.get('content-length');
      if (declared !== null && Number(declared) !== recorded.size) assertSameSize(recorded, Number(declared));
      if (recorded.size > smallFileBytes) {
        throw new QedBackingError(`${what}: the server ignores Range requests and the file is larger than ${smallFileBytes} bytes`);
      }
      return { at: 0, bytes: await readBodyExactly(response, recorded.size, what) };
    }
    if (response.status === 416) {
      const range = parseContentRange(response.headers.get('content-range'));
      if (range !== null && range.total !== null) assertSameSize(recorded, range.total);
    }
    throw statusError(response.status, what);
  } catch (error) {
    await discardBody(response);
    throw error;
  }
}

/**
 * Learns the size and validators of `url` with a one-byte Range request (which also shows that
 * the server honours Range). Throws `QedIoError` when the server cannot be reached,
 * `QedBackingError` when it does not serve the file or ignores Range for a file larger than
 * `smallFileBytes`.
 */
export async function probeRemote(fetchFn: FetchFunction, url: string, smallFileBytes: number, signal?: AbortSignal): Promise<RemoteIdentity> {
  const response = await sendRange(fetchFn, url, 0, 1, signal);
  await discardBody(response);
  const { etag, lastModified } = validatorsOf(response.headers);
  const range = parseContentRange(response.headers.get('content-range'));
  if (response.status === 206) {
    if (range === null || range.kind !== 'range' || range.total === null) throw new QedBackingError(`${url}: 206 without a Content-Range total`);
    return { url, size: range.total, etag, lastModified };
  }
  if (response.status === 416 && range?.kind === 'unsatisfied' && range.total === 0) return { url, size: 0, etag, lastModified };
  if (response.status === 200) {
    const length = Number(response.headers.get('content-length') ?? Number.NaN);
    if (!Number.isSafeInteger(length) || length < 0) throw new QedBackingError(`${url}: the server ignores Range requests and sends no Content-Length`);
    if (length > smallFileBytes) throw new QedBackingError(`${url}: the server ignores Range requests and the file is larger than ${smallFileBytes} bytes`);
    return { url, size: length, etag, lastModified };
  }
  throw statusError(response.status, url);
}

/** The error for an unexpected HTTP status: transient ones are I/O errors, the rest backing errors. */
function statusError(status: number, what: string): Error {
  const message = `${what}: HTTP status ${status}`;
  return status >= 500 || status === 408 || status === 429 ? new QedIoError(message) : new QedBackingError(message);
}
