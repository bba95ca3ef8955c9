/**
 * HTTP downloads from the mirror: small files into memory (InRelease), large ones into a file
 * whose size and SHA-256 must match the signed index before it is renamed into place. Network
 * failures and checksum mismatches are retried; a failed attempt leaves no file behind.
 */
import { createHash, randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { GuestAssetsChecksumError, GuestAssetsLimitError, GuestAssetsNetworkError } from './errors.ts';
import { type Progress, formatBytes } from './progress.ts';
import type { FileDigest } from './release.ts';

/** How hard to try. */
export interface RetryPolicy {
  /** Attempts per file, the first included (at least 1). */
  attempts: number;
  /** Wait before the second attempt, in milliseconds; doubled for each further one. */
  retryDelayMs: number;
  /** Give up on a transfer that sends nothing for this long, in milliseconds. */
  idleTimeoutMs: number;
}

/** Three attempts, 1 s then 2 s apart; 30 s without a byte ends an attempt. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 3, retryDelayMs: 1000, idleTimeoutMs: 30_000 };

/** A network failure that retrying cannot fix (the mirror says the file does not exist). */
export class GuestAssetsNotFoundError extends GuestAssetsNetworkError {
  override name = 'GuestAssetsNotFoundError';
}

/** Runs `attempt` up to `policy.attempts` times while it fails with a network or checksum error. */
async function withRetries<T>(label: string, policy: RetryPolicy, progress: Progress, attempt: () => Promise<T>): Promise<T> {
  for (let number = 1; ; number += 1) {
    try {
      return await attempt();
    } catch (error) {
      const retryable = (error instanceof GuestAssetsNetworkError && !(error instanceof GuestAssetsNotFoundError)) || error instanceof GuestAssetsChecksumError;
      if (!retryable || number >= policy.attempts) throw error;
      const delayMs = policy.retryDelayMs * 2 ** (number - 1);
      progress.end('failed');
      progress.note(`${label}: ${(error as Error).message}; retrying in ${(delayMs / 1000).toFixed(1)} s (attempt ${number + 1} of ${policy.attempts})`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/**
 * Streams the body of `url` to `sink`, chunk by chunk; throws `GuestAssetsNetworkError` on a
 * connection failure, an HTTP error, a body longer than `maxBytes`, or `idleTimeoutMs` of silence.
 */
async function streamBody(url: string, maxBytes: number, policy: RetryPolicy, sink: (chunk: Uint8Array) => Promise<void> | void): Promise<number> {
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(), policy.idleTimeoutMs);
  const rearm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), policy.idleTimeoutMs);
  };
  let received = 0;
  try {
    const response = await fetch(url, { signal: controller.signal, headers: { 'accept-encoding': 'identity' } });
    if (response.status === 404 || response.status === 410) throw new GuestAssetsNotFoundError(`${url}: HTTP ${response.status} (is this a Debian mirror with ${url.split('/').slice(-1)[0]}?)`);
    if (!response.ok || !response.body) throw new GuestAssetsNetworkError(`${url}: HTTP ${response.status} ${response.statusText}`);
    for await (const chunk of response.body) {
      rearm();
      received += chunk.byteLength;
      if (received > maxBytes) throw new GuestAssetsLimitError(`${url} is larger than ${formatBytes(maxBytes)}`);
      await sink(chunk);
    }
    return received;
  } catch (error) {
    if (error instanceof GuestAssetsNetworkError || error instanceof GuestAssetsLimitError) throw error;
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    const why = controller.signal.aborted ? `no data for ${policy.idleTimeoutMs / 1000} s` : `${(error as Error).message}${cause}`;
    throw new GuestAssetsNetworkError(`${url}: the transfer failed after ${formatBytes(received)} (${why})`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/** Downloads a small file (at most `maxBytes`) into memory, with retries. Unverified: check it yourself. */
export async function fetchBytes(url: string, label: string, maxBytes: number, policy: RetryPolicy, progress: Progress): Promise<Uint8Array> {
  return withRetries(label, policy, progress, async () => {
    const chunks: Uint8Array[] = [];
    progress.begin(`downloading ${label}`, 0);
    await streamBody(url, maxBytes, policy, (chunk) => {
      chunks.push(chunk);
      progress.advance(chunk.byteLength);
    });
    progress.end();
    return Buffer.concat(chunks);
  });
}

/**
 * Downloads `url` to `destination`: into a temporary file beside it, then, once its size and
 * SHA-256 equal `expected`, renamed into place. With retries; on failure no file is left.
 * Throws `GuestAssetsChecksumError` or `GuestAssetsNetworkError` after the last attempt.
 */
export async function downloadVerified(url: string, label: string, expected: FileDigest, destination: string, policy: RetryPolicy, progress: Progress): Promise<void> {
  await withRetries(label, policy, progress, async () => {
    const temporary = `${destination}.part-${randomBytes(6).toString('hex')}`;
    const handle = await open(temporary, 'wx');
    try {
      const hash = createHash('sha256');
      progress.begin(`downloading ${label}`, expected.size);
      const received = await streamBody(url, expected.size, policy, async (chunk) => {
        hash.update(chunk);
        await handle.write(chunk);
        progress.advance(chunk.byteLength);
      }).catch((error: unknown) => {
        if (!(error instanceof GuestAssetsLimitError)) throw error;
        throw new GuestAssetsChecksumError(`${url}: the mirror sent more than the ${expected.size} bytes the signed index gives`);
      });
      if (received !== expected.size) {
        throw new GuestAssetsNetworkError(`${url}: the transfer ended after ${received} of ${expected.size} bytes`);
      }
      const actual = hash.digest('hex');
      if (actual !== expected.sha256) {
        throw new GuestAssetsChecksumError(`${url}: SHA-256 ${actual} differs from ${expected.sha256} in the signed index (a damaged transfer, or a mirror serving other files)`);
      }
      await handle.sync();
      await handle.close();
      await rename(temporary, destination);
      progress.end();
    } catch (error) {
      await handle.close().catch(() => undefined);
      await rm(temporary, { force: true });
      throw error;
    }
  });
}
