/** What identifies one version of a remote file: its URL, size and HTTP validators. */
import { QedBackingChangedError } from './backing-changed-error.ts';

/** One version of a remote file, as the chunk map records it. */
export interface RemoteIdentity {
  /** Absolute URL of the file. */
  readonly url: string;
  /** Length of the file in bytes. */
  readonly size: number;
  /** The `ETag` response header, exactly as sent, or null when the server sends none. */
  readonly etag: string | null;
  /** The `Last-Modified` response header, exactly as sent, or null when the server sends none. */
  readonly lastModified: string | null;
}

/** The HTTP validators of one version of a file. */
export type Validators = Pick<RemoteIdentity, 'etag' | 'lastModified'>;

/** The validators (`ETag`, `Last-Modified`) of a response. */
export function validatorsOf(headers: Headers): Validators {
  return { etag: headers.get('etag'), lastModified: headers.get('last-modified') };
}

/**
 * Throws `QedBackingChangedError` when `current` holds a validator that differs from the one
 * `recorded` holds. A validator missing on either side is not compared.
 */
export function assertSameValidators(recorded: RemoteIdentity, { etag, lastModified }: Validators): void {
  if (recorded.etag !== null && etag !== null && etag !== recorded.etag) {
    throw new QedBackingChangedError(`${recorded.url} changed: ETag ${etag} instead of ${recorded.etag}`);
  }
  if (recorded.lastModified !== null && lastModified !== null && lastModified !== recorded.lastModified) {
    throw new QedBackingChangedError(`${recorded.url} changed: Last-Modified ${lastModified} instead of ${recorded.lastModified}`);
  }
}

/** Throws `QedBackingChangedError` when the server reports a size other than the recorded one. */
export function assertSameSize(recorded: RemoteIdentity, size: number): void {
  if (size !== recorded.size) {
    throw new QedBackingChangedError(`${recorded.url} changed: ${size} bytes instead of ${recorded.size}`);
  }
}
