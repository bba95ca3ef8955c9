/** HTTP byte ranges: writing the `Range` request header and parsing `Content-Range` (RFC 9110). */

/** A parsed `Content-Range` header. Offsets in bytes; `end` is exclusive. */
export type ContentRange =
  | { readonly kind: 'range'; readonly start: number; readonly end: number; readonly total: number | null }
  | { readonly kind: 'unsatisfied'; readonly total: number };

/** `bytes first-last/total` (total may be `*`). */
const RANGE_PATTERN = /^bytes[ \t]+(\d{1,16})-(\d{1,16})\/(\d{1,16}|\*)$/i;
/** `bytes *\/total`, sent with 416. */
const UNSATISFIED_PATTERN = /^bytes[ \t]+\*\/(\d{1,16})$/i;

/** The `Range` header value for bytes `[start, end)` (end exclusive, greater than start). */
export function rangeHeader(start: number, end: number): string {
  return `bytes=${start}-${end - 1}`;
}

/**
 * Parses a `Content-Range` value; returns null when it is missing, malformed, not in bytes, or
 * inconsistent (last before first, or past the total).
 */
export function parseContentRange(value: string | null): ContentRange | null {
  if (value === null) return null;
  const text = value.trim();
  const unsatisfied = UNSATISFIED_PATTERN.exec(text);
  if (unsatisfied) {
    const total = Number(unsatisfied[1]);
    return Number.isSafeInteger(total) ? { kind: 'unsatisfied', total } : null;
  }
  const match = RANGE_PATTERN.exec(text);
  if (!match) return null;
  const start = Number(match[1]);
  const last = Number(match[2]);
  const total = match[3] === '*' ? null : Number(match[3]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(last) || last < start) return null;
  if (total !== null && (!Number.isSafeInteger(total) || last >= total)) return null;
  return { kind: 'range', start, end: last + 1, total };
}
