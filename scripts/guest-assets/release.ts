/**
 * The suite's Release file (the signed text of InRelease): which architectures and components it
 * has, and the SHA-256 and size of every index file below `dists/<suite>/`. Pure.
 */
import { field, parseStanza, requireField } from './deb822.ts';
import { GuestAssetsFormatError } from './errors.ts';

/** Size and SHA-256 (lower-case hex) of one file. */
export interface FileDigest {
  /** Bytes. */
  size: number;
  /** SHA-256, 64 lower-case hex digits. */
  sha256: string;
}

/** What the build needs of a Release file. */
export interface ReleaseInfo {
  /** `Codename` (bookworm), or `Suite` when there is no codename. */
  codename: string;
  /** True when the archive serves index files under `by-hash/SHA256/<hash>` too (`Acquire-By-Hash: yes`). */
  acquireByHash: boolean;
  /** Index files by path relative to `dists/<suite>/`. */
  sha256: ReadonlyMap<string, FileDigest>;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** Parses Release text. Throws `GuestAssetsFormatError` when it has no usable SHA256 list. */
export function parseRelease(text: string): ReleaseInfo {
  // Release is one stanza; the first blank line (if any) ends it.
  const stanza = parseStanza(text.replace(/\r\n/g, '\n').split(/\n[ \t]*\n/)[0] ?? '');
  const codename = field(stanza, 'Codename') || requireField(stanza, 'Suite', 'Release');
  const list = requireField(stanza, 'SHA256', 'Release');
  const sha256 = new Map<string, FileDigest>();
  for (const line of list.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length === 1 && parts[0] === '') continue;
    const [hash, size, path] = parts;
    if (parts.length !== 3 || hash === undefined || size === undefined || path === undefined || !HEX_SHA256.test(hash) || !/^\d+$/.test(size)) {
      throw new GuestAssetsFormatError(`Release: malformed SHA256 line ${JSON.stringify(line.slice(0, 120))}`);
    }
    sha256.set(path, { sha256: hash, size: Number(size) });
  }
  if (sha256.size === 0) throw new GuestAssetsFormatError('Release: the SHA256 list is empty');
  return { codename, acquireByHash: (field(stanza, 'Acquire-By-Hash') ?? '').toLowerCase() === 'yes', sha256 };
}

/** An index of the suite chosen for download: its path under `dists/<suite>/`, digest and compression. */
export interface IndexChoice extends FileDigest {
  /** Path relative to `dists/<suite>/`. */
  path: string;
  /** How the file is compressed. */
  compression: 'xz' | 'gzip';
}

/**
 * Picks the Packages index of `component`/`architecture`: `Packages.gz` if listed, else
 * `Packages.xz`. gzip first: bookworm's i386 index is 11.4 MiB as .gz and 8.3 MiB as .xz, but Node's
 * zlib unpacks it in a fraction of a second where the WebAssembly xz decoder takes about 4 s.
 * Throws `GuestAssetsFormatError` when neither is listed.
 */
export function choosePackagesIndex(release: ReleaseInfo, component: string, architecture: string): IndexChoice {
  for (const [suffix, compression] of [['.gz', 'gzip'], ['.xz', 'xz']] as const) {
    const path = `${component}/binary-${architecture}/Packages${suffix}`;
    const digest = release.sha256.get(path);
    if (digest) return { path, compression, ...digest };
  }
  throw new GuestAssetsFormatError(`Release lists no ${component}/binary-${architecture}/Packages.xz or .gz (is ${architecture} in this suite?)`);
}
