/**
 * Typed errors of the guest-asset build. Each has a stable `name`; the message says what failed
 * and what to do about it (retry, another mirror, report a bug).
 */
import { QedError } from '../../src/qed/errors.ts';

/** Base class of every error the guest-asset build throws on purpose. */
export class GuestAssetsError extends QedError {
  override name = 'GuestAssetsError';
}

/** The mirror could not be reached, answered with an HTTP error, or a transfer broke off. Retrying may help. */
export class GuestAssetsNetworkError extends GuestAssetsError {
  override name = 'GuestAssetsNetworkError';
}

/** A downloaded file's size or SHA-256 differs from what the signed index says. */
export class GuestAssetsChecksumError extends GuestAssetsError {
  override name = 'GuestAssetsChecksumError';
}

/** InRelease carries no valid signature by a trusted Debian archive key. */
export class GuestAssetsSignatureError extends GuestAssetsError {
  override name = 'GuestAssetsSignatureError';
}

/** An index, package or archive is not in the shape Debian uses (or lacks what the guest needs). */
export class GuestAssetsFormatError extends GuestAssetsError {
  override name = 'GuestAssetsFormatError';
}

/** An input would exceed a size cap (an index, a member, a file in the guest). */
export class GuestAssetsLimitError extends GuestAssetsError {
  override name = 'GuestAssetsLimitError';
}
