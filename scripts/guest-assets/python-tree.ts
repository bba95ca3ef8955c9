/**
 * The Python sandbox base as a file tree: Debian's `python3` and every package it depends on
 * (`dependency-closure.ts`), unpacked as a merged-/usr Debian system (`/bin`, `/sbin` and `/lib`
 * are links into `/usr`, and package files under them land in `/usr`), plus busybox-static for a
 * shell and the base's own /etc files. Documentation, manual pages and translations are left out.
 * The guest mounts it on /mnt and runs `chroot /mnt python3 ...`. Pure.
 */
import type { Applet } from './busybox-applets.ts';
import type { DebEntry } from './deb-reader.ts';
import { FileTree } from './file-tree.ts';

const encoder = new TextEncoder();

/** Top-level directories that a merged-/usr system keeps under /usr (the top-level name is a link). */
const MERGED_DIRECTORIES = ['bin', 'sbin', 'lib'] as const;

/** Package paths left out of the base (no Python startup reads them). */
const SKIPPED_PREFIXES = ['usr/share/doc/', 'usr/share/man/', 'usr/share/info/', 'usr/share/lintian/', 'usr/share/locale/', 'usr/share/bug/'] as const;

/** The base's /etc/motd (the guest prints it when it mounts the base). */
export const PYTHON_BASE_MOTD = `Welcome to the qedisk Python base.

Python 3 from Debian is in this file system: run it with "chroot /mnt python3".
Your changes live in a copy-on-write overlay in your browser's private storage (OPFS).
`;

/** True when package path `path` (normalised, no leading `/`) is kept in the base. */
export function keepsPackagePath(path: string): boolean {
  return path !== '' && !SKIPPED_PREFIXES.some((prefix) => path.startsWith(prefix) || `${path}/` === prefix);
}

/** Where package path `path` lands in a merged-/usr tree (`lib/x` -> `usr/lib/x`, `bin` -> `usr/bin`). */
export function mergedUsrPath(path: string): string {
  for (const top of MERGED_DIRECTORIES) {
    if (path === top || path.startsWith(`${top}/`)) return `usr/${path}`;
  }
  return path;
}

/** One unpacked package: its name, version and kept entries. */
export interface UnpackedPackage {
  name: string;
  version: string;
  entries: readonly DebEntry[];
}

/** busybox-static as the base holds it: the binary, its Debian version and its applets (`busyboxApplets`). */
export interface BusyboxForBase {
  data: Uint8Array;
  version: string;
  applets: readonly Applet[];
}

/**
 * The Python base's tree from the unpacked packages (added in the order given: a later one
 * replaces files of earlier ones) and busybox (a link per applet, where no package put a file).
 */
export function pythonBaseTree(packages: readonly UnpackedPackage[], busybox: BusyboxForBase): FileTree {
  const tree = new FileTree();
  for (const directory of ['usr/bin', 'usr/sbin', 'usr/lib', 'etc', 'dev', 'proc', 'sys', 'root', 'home/user', 'mnt', 'var/tmp']) tree.addDirectory(directory);
  for (const top of MERGED_DIRECTORIES) tree.addSymlink(top, `usr/${top}`);
  tree.addDirectory('tmp', { mode: 0o1777 });
  tree.addFile('usr/bin/busybox', busybox.data, { mode: 0o755 });
  for (const applet of busybox.applets) {
    const path = mergedUsrPath(applet.directory === '' ? applet.name : `${applet.directory}/${applet.name}`);
    if (path !== 'usr/bin/busybox' && path.includes('/')) tree.addSymlink(path, '/usr/bin/busybox');
  }
  for (const unpacked of packages) {
    const sorted = [...unpacked.entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (const entry of sorted) {
      if (!keepsPackagePath(entry.path)) continue;
      const path = mergedUsrPath(entry.path);
      if (MERGED_DIRECTORIES.includes(path as (typeof MERGED_DIRECTORIES)[number])) continue;
      if (entry.type === 'directory') {
        if (tree.get(path)?.type !== 'symlink') tree.addDirectory(path, { mode: entry.mode });
      } else if (entry.type === 'file') tree.addFile(path, entry.data, { mode: entry.mode });
      else tree.addSymlink(path, entry.target);
    }
  }
  const list = packages.map(({ name, version }) => `${name} ${version}`).join('\n');
  tree.addFile('etc/motd', encoder.encode(PYTHON_BASE_MOTD));
  tree.addFile('README', encoder.encode(`qedisk Python base\n==================\n\nA Debian bookworm i386 file system holding python3 and what it depends on,\nbuilt by scripts/guest-assets/ with qedisk's own ext2 writer. Packages:\n\n${list}\nbusybox-static ${busybox.version}\n`));
  tree.addFile('etc/os-release', encoder.encode('NAME="qedisk Python base"\nID=qedisk-python\nVERSION_ID=1\nPRETTY_NAME="qedisk Python base (Debian bookworm python3)"\n'));
  tree.addFile('etc/passwd', encoder.encode('root:x:0:0:root:/root:/bin/sh\n'));
  tree.addFile('etc/group', encoder.encode('root:x:0:\n'));
  tree.addFile('etc/hostname', encoder.encode('qedisk-python\n'));
  return tree;
}
