/**
 * Debian's control-file format (deb822), as Release and Packages use it: stanzas separated by
 * blank lines, `Field: value` lines, continuation lines starting with a space or tab. Pure.
 */
import { GuestAssetsFormatError } from './errors.ts';

/** One stanza: field names as written (case kept) to their values; continuation lines joined with `\n`. */
export type Stanza = ReadonlyMap<string, string>;

/** Parses one stanza (no blank lines inside). Throws `GuestAssetsFormatError` on a line that is neither a field nor a continuation. */
export function parseStanza(text: string): Stanza {
  const fields = new Map<string, string>();
  let current: string | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (current === undefined) throw new GuestAssetsFormatError(`a continuation line comes before any field: ${JSON.stringify(line.slice(0, 80))}`);
      fields.set(current, `${fields.get(current) ?? ''}\n${line.slice(1)}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new GuestAssetsFormatError(`not a "Field: value" line: ${JSON.stringify(line.slice(0, 80))}`);
    current = line.slice(0, colon);
    fields.set(current, line.slice(colon + 1).trim());
  }
  return fields;
}

/** The stanzas of `text` in order (CRLF line ends accepted), each parsed by `parseStanza`. */
export function* stanzas(text: string): Generator<Stanza, void, void> {
  for (const block of text.replace(/\r\n/g, '\n').split(/\n[ \t]*\n/)) {
    if (block.trim() !== '') yield parseStanza(block);
  }
}

/** The value of `name` in `stanza`, compared without regard to case (deb822 field names are case-insensitive). */
export function field(stanza: Stanza, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of stanza) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** Like `field`, but throws `GuestAssetsFormatError` naming `where` when the field is missing or empty. */
export function requireField(stanza: Stanza, name: string, where: string): string {
  const value = field(stanza, name);
  if (value === undefined || value === '') throw new GuestAssetsFormatError(`${where} has no ${name} field`);
  return value;
}
