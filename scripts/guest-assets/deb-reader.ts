/**
 * Takes files out of a .deb without dpkg: the ar archive's `data.tar*` member is streamed from the
 * file through its decompressor into `tar-stream` (a streaming tar parser: nothing is written to
 * disk and only the selected files are kept in memory). Reading stops as soon as `isComplete`
 * says every wanted file was seen.
 */
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { extract as tarExtract } from 'tar-stream';
import { listArMembers } from './ar-archive.ts';
import { compressionOfMember, decompressStream } from './decompress.ts';
import { GuestAssetsFormatError, GuestAssetsLimitError } from './errors.ts';
import type { Progress } from './progress.ts';

/** A file, directory or symlink taken from a package. */
export interface DebEntry {
  /** Path inside the package, without a leading `./` or `/` (`usr/share/seabios/bios.bin`). */
  path: string;
  /** What it is. */
  type: 'file' | 'directory' | 'symlink';
  /** Permission bits (without type bits). */
  mode: number;
  /** A file's content (owned by the caller); empty for the others. */
  data: Uint8Array;
  /** A symlink's target, else ''. */
  target: string;
}

/** What to take out of a package. */
export interface DebSelection {
  /** True for each path to keep. */
  select(path: string): boolean;
  /** True once `found` holds everything wanted: reading stops there. Default: read to the end. */
  isComplete?(found: ReadonlyMap<string, DebEntry>): boolean;
  /** A kept file may be at most this many bytes. */
  maxFileBytes: number;
}

/** `path` without a leading `./` or `/`. */
export function normalisePath(path: string): string {
  return path.replace(/^\.?\/+/, '').replace(/\/+$/, '');
}

/** Lists the ar members of the .deb at `debPath` and picks its data member (checking `debian-binary` says 2.x). */
function dataMemberOf(debPath: string): { name: string; offset: number; size: number } {
  const fd = openSync(debPath, 'r');
  try {
    const size = fstatSync(fd).size;
    const readAt = (offset: number, length: number) => {
      const buffer = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      readSync(fd, buffer, 0, buffer.byteLength, offset);
      return buffer;
    };
    const members = listArMembers(readAt, size);
    const version = members[0];
    if (version?.name !== 'debian-binary' || !/^2\.\d+\n/.test(new TextDecoder().decode(readAt(version.offset, Math.min(version.size, 16))))) {
      throw new GuestAssetsFormatError(`${debPath}: not a Debian package of format 2.x (first member ${version?.name ?? 'missing'})`);
    }
    const data = members.find((member) => member.name.startsWith('data.tar'));
    if (!data) throw new GuestAssetsFormatError(`${debPath}: no data.tar member (members: ${members.map((m) => m.name).join(', ')})`);
    return data;
  } finally {
    closeSync(fd);
  }
}

/**
 * The selected entries of the .deb at `debPath`, by normalised path. Hard links are kept as the
 * file they link to. `progress` advances with the compressed bytes read. Throws
 * `GuestAssetsFormatError` on a malformed package and `GuestAssetsLimitError` on a kept file over
 * `maxFileBytes`.
 */
export async function readDeb(debPath: string, selection: DebSelection, progress?: Progress): Promise<Map<string, DebEntry>> {
  const member = dataMemberOf(debPath);
  const compression = compressionOfMember(member.name);
  const source = createReadStream(debPath, { start: member.offset, end: member.offset + member.size - 1, highWaterMark: 1 << 20 });
  if (progress) source.on('data', (chunk) => progress.advance(chunk.length));
  const tar = decompressStream(source, compression);
  const extractor = tarExtract();
  tar.on('error', (error) => extractor.destroy(error));
  tar.pipe(extractor);
  const found = new Map<string, DebEntry>();
  try {
    for await (const entry of extractor) {
      const path = normalisePath(entry.header.name);
      const type = entry.header.type === 'file' || entry.header.type === 'contiguous-file' ? 'file' : entry.header.type;
      if (!selection.select(path) || (type !== 'file' && type !== 'directory' && type !== 'symlink' && type !== 'link')) {
        entry.resume();
        continue;
      }
      if (type === 'link') {
        const original = found.get(normalisePath(entry.header.linkname ?? ''));
        entry.resume();
        if (original) found.set(path, { ...original, path });
        continue;
      }
      const size = entry.header.size ?? 0;
      if (size > selection.maxFileBytes) throw new GuestAssetsLimitError(`${debPath}: ${path} is ${size} bytes, over the ${selection.maxFileBytes}-byte cap`);
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      found.set(path, {
        path,
        type,
        mode: (entry.header.mode ?? 0) & 0o7777,
        data: type === 'file' ? new Uint8Array(Buffer.concat(chunks)) : new Uint8Array(0),
        target: type === 'symlink' ? (entry.header.linkname ?? '') : '',
      });
      if (selection.isComplete?.(found)) break;
    }
  } catch (error) {
    if (error instanceof GuestAssetsFormatError || error instanceof GuestAssetsLimitError) throw error;
    throw new GuestAssetsFormatError(`${debPath}: ${member.name} could not be unpacked: ${(error as Error).message}`, { cause: error });
  } finally {
    tar.destroy();
    source.destroy();
  }
  return found;
}
