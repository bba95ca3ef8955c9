/**
 * Which URLs a disk may name as its remote base. A backing name comes from a disk image, which
 * may come from anywhere, so it must not make the page fetch from arbitrary servers or schemes.
 */
import { QedBackingError } from '../../qed/errors.ts';

/** Schemes a remote base may use. */
const ALLOWED_PROTOCOLS = new Set(['http:', 'https:']);

/**
 * Returns `url` resolved against `pageOrigin` (so a relative name such as `/images/base.img`
 * means the page's own server) as an absolute URL string, when it is http(s), carries no user
 * name or password, and its origin is `pageOrigin`'s or one listed in `allowlist` (origins such
 * as `https://images.example.org`; a trailing slash or path is ignored). Throws
 * `QedBackingError` otherwise, including for `file:`, `data:`, `blob:` and `javascript:` URLs.
 */
export function assertAllowedUrl(url: string, pageOrigin: string, allowlist: readonly string[] = []): string {
  const page = parseUrl(pageOrigin, undefined, 'page origin');
  const target = parseUrl(url, page.origin, 'backing URL');
  if (!ALLOWED_PROTOCOLS.has(target.protocol)) {
    throw new QedBackingError(`backing URL ${JSON.stringify(url)} uses ${target.protocol}; only http: and https: are allowed`);
  }
  if (target.username !== '' || target.password !== '') {
    throw new QedBackingError(`backing URL ${JSON.stringify(url)} must not carry credentials`);
  }
  const allowed = new Set([page.origin, ...allowlist.map((entry) => parseUrl(entry, undefined, 'allowlist entry').origin)]);
  if (!allowed.has(target.origin)) {
    throw new QedBackingError(`backing URL ${JSON.stringify(url)} is on ${target.origin}, which is neither this page's origin nor allowlisted`);
  }
  return target.href;
}

/** Parses `text` (relative to `base`), throwing `QedBackingError` naming `what` when it is not a URL. */
function parseUrl(text: string, base: string | undefined, what: string): URL {
  try {
    return new URL(text, base);
  } catch {
    throw new QedBackingError(`${what} ${JSON.stringify(text)} is not a valid URL`);
  }
}
