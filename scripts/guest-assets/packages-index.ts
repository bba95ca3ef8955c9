/**
 * The Packages index of one architecture: finds the stanzas of the packages the guest needs and
 * resolves the kernel metapackage to its ABI package. Pure.
 */
import { field, requireField, stanzas } from './deb822.ts';
import { GuestAssetsFormatError } from './errors.ts';

/** One binary package as the index describes it. */
export interface PackageRecord {
  /** Package name. */
  name: string;
  /** Debian version (with epoch, as written). */
  version: string;
  /** Path of the .deb relative to the mirror's root (`pool/main/...`). */
  filename: string;
  /** Size of the .deb in bytes. */
  size: number;
  /** SHA-256 of the .deb, lower-case hex. */
  sha256: string;
  /** The raw `Depends` field ('' when absent). */
  depends: string;
}

const SAFE_POOL_PATH = /^pool\/[A-Za-z0-9+._~/-]+\.deb$/;

/** Turns the stanza of package `name` into a record; throws `GuestAssetsFormatError` on a missing field or an unsafe path. */
export function packageRecordOf(stanza: ReadonlyMap<string, string>, name: string): PackageRecord {
  const where = `the Packages entry of ${name}`;
  const filename = requireField(stanza, 'Filename', where);
  if (!SAFE_POOL_PATH.test(filename) || filename.split('/').includes('..')) {
    throw new GuestAssetsFormatError(`${where} has an unexpected Filename ${JSON.stringify(filename)}`);
  }
  const size = requireField(stanza, 'Size', where);
  const sha256 = requireField(stanza, 'SHA256', where);
  if (!/^\d+$/.test(size) || !/^[0-9a-f]{64}$/.test(sha256)) throw new GuestAssetsFormatError(`${where} has a malformed Size or SHA256`);
  return { name, version: requireField(stanza, 'Version', where), filename, size: Number(size), sha256, depends: field(stanza, 'Depends') ?? '' };
}

/**
 * The records of `names` in the Packages `text`. When a package appears more than once, the last
 * stanza wins (Debian lists each name once per suite and architecture). Throws
 * `GuestAssetsFormatError` naming every package that is missing.
 */
export function findPackages(text: string, names: readonly string[]): Map<string, PackageRecord> {
  const wanted = new Set(names);
  const found = new Map<string, PackageRecord>();
  for (const stanza of stanzas(text)) {
    const name = field(stanza, 'Package');
    if (name !== undefined && wanted.has(name)) found.set(name, packageRecordOf(stanza, name));
  }
  const missing = names.filter((name) => !found.has(name));
  if (missing.length > 0) throw new GuestAssetsFormatError(`the Packages index has no ${missing.join(', ')}`);
  return found;
}

/**
 * The ABI package a kernel metapackage depends on: the first `linux-image-<digit>...` name in its
 * `Depends` (e.g. `linux-image-6.1.0-50-686`). Throws `GuestAssetsFormatError` when there is none.
 */
export function kernelPackageOf(meta: PackageRecord): string {
  for (const alternative of meta.depends.split(/[,|]/)) {
    const name = alternative.trim().split(/[\s(]/)[0] ?? '';
    if (/^linux-image-\d[a-z0-9.+-]*$/.test(name)) return name;
  }
  throw new GuestAssetsFormatError(`${meta.name} ${meta.version} depends on no linux-image-<version> package (Depends: ${meta.depends || 'none'})`);
}

/** The kernel release a kernel ABI package installs (`linux-image-6.1.0-50-686` -> `6.1.0-50-686`). */
export function kernelReleaseOf(kernelPackage: string): string {
  return kernelPackage.replace(/^linux-image-/, '');
}
