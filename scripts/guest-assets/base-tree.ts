/**
 * The shared base root file system of the demo as a file tree: busybox-static with a link per
 * applet where busybox would install it, a few files in /etc, a /README, and an empty /home/user.
 * The guest mounts it on /mnt (scripts/guest-init.sh) and the browser tests read /etc/motd and
 * /README from it.
 */
import { busyboxApplets } from './busybox-applets.ts';
import { FileTree } from './file-tree.ts';

const encoder = new TextEncoder();

/** The base's /etc/motd (the guest prints it when it mounts the base). */
export const BASE_MOTD = `Welcome to the qedisk shared base.

This file system comes from one read-only image on the web server that every visitor shares.
Your changes live in a copy-on-write overlay in your browser's private storage (OPFS):
reset the disk to come back here, take snapshots to go back to.
`;

/** The base's /README, naming the busybox version it holds. */
export function baseReadme(busyboxVersion: string): string {
  return `qedisk shared base root file system
===================================

This ext2 image is the shared base of the qedisk demo. It is served as one static file
(base-rootfs.ext2) and read lazily with HTTP Range requests; the chunks a guest reads are
kept in OPFS, so the demo boots offline after the first visit.

Nothing ever writes to this image: every write of the guest goes to the disk's QED overlay,
whose header names the base's URL (with the raw-base bit set). "Reset" replaces the overlay
with an empty one; a snapshot freezes the overlay and continues on a new one on top of it.

Contents: busybox-static ${busyboxVersion} (i386, from Debian) and its applet links,
/etc/motd, /etc/os-release and this README.
`;
}

/** The base's tree from the busybox binary and its Debian version. */
export function baseTree(busybox: Uint8Array, busyboxVersion: string): { tree: FileTree; appletLocationsFound: boolean } {
  const tree = new FileTree();
  for (const directory of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'dev', 'proc', 'sys', 'root', 'home/user', 'mnt']) tree.addDirectory(directory);
  tree.addDirectory('tmp', { mode: 0o1777 });
  tree.addFile('bin/busybox', busybox, { mode: 0o755 });
  const { applets, locationsFound } = busyboxApplets(busybox);
  for (const applet of applets) {
    const path = applet.directory === '' ? applet.name : `${applet.directory}/${applet.name}`;
    if (path !== 'bin/busybox') tree.addSymlink(path, '/bin/busybox');
  }
  tree.addFile('etc/motd', encoder.encode(BASE_MOTD));
  tree.addFile('README', encoder.encode(baseReadme(busyboxVersion)));
  tree.addFile(
    'etc/os-release',
    encoder.encode(`NAME="qedisk base"\nID=qedisk-base\nVERSION_ID=1\nPRETTY_NAME="qedisk shared base (busybox ${busyboxVersion})"\n`),
  );
  tree.addFile('etc/passwd', encoder.encode('root:x:0:0:root:/root:/bin/sh\n'));
  tree.addFile('etc/group', encoder.encode('root:x:0:\n'));
  tree.addFile('etc/hostname', encoder.encode('qedisk-base\n'));
  return { tree, appletLocationsFound: locationsFound };
}
