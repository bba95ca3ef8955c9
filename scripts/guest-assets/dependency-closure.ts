/**
 * The packages a set of root packages needs, as apt would install them: the transitive closure of
 * `Pre-Depends` and `Depends` over one Packages index, taking in each `a | b` group the first
 * alternative the index has (or one already chosen), ignoring version constraints (one suite has
 * one version of each package) and architecture qualifiers (`:any`). Packages that only matter to
 * a package manager or at install time (`EXCLUDED_PACKAGES`) are left out. Pure.
 */
import { field, stanzas } from './deb822.ts';
import { GuestAssetsFormatError } from './errors.ts';
import { type PackageRecord, packageRecordOf } from './packages-index.ts';

/**
 * Packages a file system that nobody runs `dpkg` or `apt` in does not need: maintainer-script
 * helpers (debconf and perl), the package tools, and data no Python startup reads (time zones).
 */
export const EXCLUDED_PACKAGES: ReadonlySet<string> = new Set([
  'debconf', 'debconf-2.0', 'cdebconf', 'perl-base', 'dpkg', 'install-info', 'tzdata', 'readline-common', 'sensible-utils',
]);

/** Most packages a closure may hold (far above what Python needs: about 30). */
const MAX_CLOSURE_PACKAGES = 400;

/** The alternatives of each group of a `Depends`-style field: `a (>= 1) | b:any, c` -> [[a, b], [c]]. */
export function parseDependsGroups(value: string): string[][] {
  return value
    .split(',')
    .map((group) =>
      group
        .split('|')
        .map((alternative) => (alternative.trim().split(/[\s(]/)[0] ?? '').replace(/:[a-z0-9]+$/, ''))
        .filter((name) => name !== ''),
    )
    .filter((group) => group.length > 0);
}

/** Every package of a Packages index by name (the last stanza of a name wins), with its dependency groups. */
export interface PackagesCatalogue {
  /** The package records by name. */
  records: ReadonlyMap<string, PackageRecord>;
  /** `Pre-Depends` then `Depends` groups by package name. */
  dependencies: ReadonlyMap<string, string[][]>;
}

/** Reads every stanza of the Packages `text` once. Throws `GuestAssetsFormatError` on a malformed stanza of a package. */
export function readCatalogue(text: string): PackagesCatalogue {
  const records = new Map<string, PackageRecord>();
  const dependencies = new Map<string, string[][]>();
  for (const stanza of stanzas(text)) {
    const name = field(stanza, 'Package');
    if (name === undefined) continue;
    records.set(name, packageRecordOf(stanza, name));
    dependencies.set(name, [...parseDependsGroups(field(stanza, 'Pre-Depends') ?? ''), ...parseDependsGroups(field(stanza, 'Depends') ?? '')]);
  }
  return { records, dependencies };
}

/**
 * The closure of `roots` in `catalogue`, sorted by name (so the same index gives the same list).
 * A group whose alternatives are all excluded is skipped; a group none of whose alternatives the
 * index has (a virtual package nothing provides here) throws `GuestAssetsFormatError`, naming the
 * package that asked for it; so does a missing root.
 */
export function dependencyClosure(catalogue: PackagesCatalogue, roots: readonly string[], excluded: ReadonlySet<string> = EXCLUDED_PACKAGES): PackageRecord[] {
  const chosen = new Map<string, PackageRecord>();
  const queue: string[] = [];
  const take = (name: string): void => {
    if (chosen.has(name)) return;
    const record = catalogue.records.get(name);
    if (!record) throw new GuestAssetsFormatError(`the Packages index has no ${name}`);
    if (chosen.size >= MAX_CLOSURE_PACKAGES) throw new GuestAssetsFormatError(`the packages of ${roots.join(', ')} need more than ${MAX_CLOSURE_PACKAGES} packages`);
    chosen.set(name, record);
    queue.push(name);
  };
  for (const root of roots) take(root);
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    for (const group of catalogue.dependencies.get(name) ?? []) {
      const wanted = group.filter((alternative) => !excluded.has(alternative));
      if (wanted.length === 0 || wanted.some((alternative) => chosen.has(alternative))) continue;
      const available = wanted.find((alternative) => catalogue.records.has(alternative));
      if (available === undefined) throw new GuestAssetsFormatError(`${name} depends on ${group.join(' | ')}, which the Packages index does not have`);
      take(available);
    }
  }
  return [...chosen.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
