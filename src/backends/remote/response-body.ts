/** Reading an HTTP response body with a hard bound, so a hostile server cannot flood memory. */
import { QedBackingError, QedIoError } from '../../qed/errors.ts';

/**
 * Reads `response`'s body, which must be exactly `expected` bytes, into a new buffer owned by the
 * caller. Stops reading (and cancels the body) as soon as it runs past `expected`. Throws
 * `QedBackingError` for a body that is too long or too short and `QedIoError` when the
 * connection fails mid-body.
 */
export async function readBodyExactly(response: Response, expected: number, what: string): Promise<Uint8Array> {
  const out = new Uint8Array(expected);
  if (!response.body) {
    if (expected === 0) return out;
    throw new QedBackingError(`${what}: the response has no body (${expected} bytes expected)`);
  }
  const reader = response.body.getReader();
  let got = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (error) {
      throw new QedIoError(`${what}: the connection failed after ${got} bytes: ${describe(error)}`, error);
    }
    if (chunk.done) break;
    if (got + chunk.value.byteLength > expected) {
      await reader.cancel().catch(() => undefined);
      throw new QedBackingError(`${what}: the body is longer than the ${expected} bytes expected`);
    }
    out.set(chunk.value, got);
    got += chunk.value.byteLength;
  }
  if (got !== expected) throw new QedBackingError(`${what}: the body has ${got} bytes, not the ${expected} expected`);
  return out;
}

/** Discards a body that will not be read, ignoring failures. */
export async function discardBody(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

/** A short description of anything thrown. */
export function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause: unknown = error.cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}
