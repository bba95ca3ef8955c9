/**
 * Sizes on the command line: `512`, `64K`, `1.5G`, `10MiB`. Suffixes are binary (1K = 1024
 * bytes), case-insensitive, optionally followed by `B` or `iB`; a plain number is bytes.
 */
import { CliUsageError } from './errors.ts';

/** Bytes per unit for each accepted suffix letter. */
const UNIT_BYTES: Readonly<Record<string, number>> = {
  '': 1,
  k: 2 ** 10,
  m: 2 ** 20,
  g: 2 ** 30,
  t: 2 ** 40,
  p: 2 ** 50,
  e: 2 ** 60,
};

/** A decimal number, an optional unit letter, an optional `B`/`iB`. */
const SIZE_PATTERN = /^(\d+(?:\.\d+)?|\.\d+)\s*([kmgtpe]?)(?:i?b)?$/i;

/** Units for `formatSize`, smallest first, each 1024 times the previous. */
const UNIT_NAMES = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'] as const;

/**
 * Parses a size in bytes. `what` names the argument in the error message. Throws
 * `CliUsageError` unless the text is a non-negative whole number of bytes no larger than
 * `Number.MAX_SAFE_INTEGER`.
 */
export function parseSize(text: string, what: string): number {
  const match = SIZE_PATTERN.exec(text.trim());
  const digits = match?.[1];
  const unit = UNIT_BYTES[(match?.[2] ?? '').toLowerCase()];
  if (digits === undefined || unit === undefined) {
    throw new CliUsageError(`invalid ${what} '${text}': expected a number of bytes with an optional K, M, G or T suffix`);
  }
  const bytes = Number(digits) * unit;
  if (!Number.isInteger(bytes)) throw new CliUsageError(`invalid ${what} '${text}': not a whole number of bytes`);
  if (!Number.isSafeInteger(bytes)) throw new CliUsageError(`invalid ${what} '${text}': too large`);
  return bytes;
}

/**
 * Parses a size that may be relative: `+1G` adds to `current`, anything else is absolute.
 * Returns the resulting size in bytes; throws `CliUsageError` like `parseSize`.
 */
export function parseRelativeSize(text: string, current: number, what: string): number {
  if (!text.startsWith('+')) return parseSize(text, what);
  const total = current + parseSize(text.slice(1), what);
  if (!Number.isSafeInteger(total)) throw new CliUsageError(`invalid ${what} '${text}': too large`);
  return total;
}

/** Parses a whole count (no suffixes), such as a table size in clusters. Throws `CliUsageError`. */
export function parseCount(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new CliUsageError(`invalid ${what} '${text}': expected a whole number`);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new CliUsageError(`invalid ${what} '${text}': too large`);
  return value;
}

/**
 * Formats a byte count for people, as qemu-img does: three significant digits and a binary
 * unit (`708 KiB`, `1.5 GiB`, `512 B`).
 */
export function formatSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNIT_NAMES.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = value >= 1000 ? value.toFixed(0) : String(Number(value.toPrecision(3)));
  return `${digits} ${UNIT_NAMES[unit]}`;
}
