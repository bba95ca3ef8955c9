#!/usr/bin/env bash
# Builds the shared base root file system of the demo, offline from Debian packages:
#   base-rootfs.ext2   a 64 MiB ext2 image (4 KiB blocks) holding busybox-static (i386) with its
#                      applet links, /etc/motd, /etc/os-release, /README and an empty /home/user.
# The demo serves it as a static file and puts copy-on-write overlays in OPFS on it: every user
# reads the same base and keeps only their own changes. The guest's init finds an ext2 file system
# on /dev/sda and mounts it on /mnt without formatting (scripts/guest-init.sh).
#
# Overlays notice a changed base by its size and HTTP validators (the dev server's ETag follows the
# file's modification time), so scripts/ensure-guest-assets.mjs rebuilds it only when it is missing
# or this script changed: a rebuild makes every overlay on the old image report the change.
# busybox is GPL: the image is built at set-up time and never committed.
# Needs root (apt-get download into private dirs; the system's own apt state is not touched),
# dpkg-deb and mke2fs (e2fsprogs >= 1.43 for -d).
# Usage: scripts/build-base-rootfs.sh [OUTFILE]    (default: demo/assets/guest/base-rootfs.ext2)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(realpath -m "${1:-$HERE/../demo/assets/guest/base-rootfs.ext2}")
SIZE_MIB=64
# The file system's fixed identity and time stamp (any values work).
FS_UUID=5eed0b15-9ed1-4a5e-b45e-000000000001
HASH_SEED=5eed0b15-9ed1-4a5e-b45e-000000000002
FS_TIME=1700000000
mkdir -p "$(dirname "$OUT")"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

for tool in apt-get dpkg-deb mke2fs e2fsck; do
  command -v "$tool" >/dev/null || { echo "build-base-rootfs: '$tool' is missing" >&2; exit 2; }
done

# i386 package indexes in a private directory: the host's architectures stay as they are.
APT=(-oAPT::Architecture=i386 -oAPT::Architectures=i386
     -oDir::State::Lists="$W/lists" -oDir::Cache="$W/cache" -oDebug::NoLocking=1
     -oAcquire::Retries=3)
mkdir -p "$W/lists/partial" "$W/cache/archives/partial"
apt-get "${APT[@]}" update -qq 2>"$W/update.err" ||
  echo "build-base-rootfs: some i386 indexes failed to update (the main archive is enough)" >&2
chmod 0755 "$W"; chown -R _apt "$W/cache" 2>/dev/null || true
(cd "$W/cache" && apt-get "${APT[@]}" download busybox-static 2>&1 | grep -v -i unsandboxed >&2 || true)
DEB=$(ls "$W"/cache/busybox-static_*.deb 2>/dev/null | head -n 1)
[ -n "$DEB" ] || { cat "$W/update.err" >&2; echo "build-base-rootfs: download of busybox-static failed" >&2; exit 1; }
dpkg-deb -x "$DEB" "$W/x"
BUSYBOX_VERSION=$(dpkg-deb -f "$DEB" Version)

# --- the tree ----------------------------------------------------------------------------------
ROOT="$W/root"
mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,etc,dev,proc,sys,tmp,root,home/user,mnt}
chmod 1777 "$ROOT/tmp"
cp "$W/x/bin/busybox" "$ROOT/bin/busybox"
# One symlink per applet, where busybox itself would install it (the i386 binary cannot run here,
# so the list comes from its --list-full output when it can run, else from a fixed short list).
if APPLETS=$("$ROOT/bin/busybox" --list-full 2>/dev/null); then :; else
  APPLETS=$(printf '%s\n' bin/sh bin/ls bin/cat bin/echo bin/mkdir bin/rm bin/cp bin/mv bin/ln \
    bin/mount bin/umount bin/sync bin/grep bin/sed bin/vi bin/df bin/du bin/date bin/uname \
    bin/ps bin/dmesg usr/bin/head usr/bin/tail usr/bin/wc usr/bin/find usr/bin/md5sum)
fi
for applet in $APPLETS; do
  [ "$applet" = bin/busybox ] && continue
  mkdir -p "$ROOT/$(dirname "$applet")"
  ln -sf /bin/busybox "$ROOT/$applet"
done

cat > "$ROOT/etc/motd" <<'EOF'
Welcome to the qedisk shared base.

This file system comes from one read-only image on the web server that every visitor shares.
Your changes live in a copy-on-write overlay in your browser's private storage (OPFS):
reset the disk to come back here, take snapshots to go back to.
EOF
cat > "$ROOT/README" <<EOF
qedisk shared base root file system
===================================

This ext2 image is the shared base of the qedisk demo. It is served as one static file
(base-rootfs.ext2) and read lazily with HTTP Range requests; the chunks a guest reads are
kept in OPFS, so the demo boots offline after the first visit.

Nothing ever writes to this image: every write of the guest goes to the disk's QED overlay,
whose header names the base's URL (with the raw-base bit set). "Reset" replaces the overlay
with an empty one; a snapshot freezes the overlay and continues on a new one on top of it.

Contents: busybox-static $BUSYBOX_VERSION (i386, from Debian) and its applet links,
/etc/motd, /etc/os-release and this README.
EOF
cat > "$ROOT/etc/os-release" <<EOF
NAME="qedisk base"
ID=qedisk-base
VERSION_ID=1
PRETTY_NAME="qedisk shared base (busybox $BUSYBOX_VERSION)"
EOF
echo 'root:x:0:0:root:/root:/bin/sh' > "$ROOT/etc/passwd"
echo 'root:x:0:' > "$ROOT/etc/group"
echo qedisk-base > "$ROOT/etc/hostname"
# Every file gets the same modification time (with E2FSPROGS_FAKE_TIME below, so does the file system).
find "$ROOT" -exec touch -h -d "@$FS_TIME" {} +

# --- the image ---------------------------------------------------------------------------------
# 4 KiB blocks, the guest's page size (see the note in guest-init.sh); 2048 inodes are plenty and
# keep the inode tables (read on mount) small; no reserved blocks.
rm -f "$W/base.ext2"
E2FSPROGS_FAKE_TIME=$FS_TIME mke2fs -q -F -t ext2 -b 4096 -N 2048 -m 0 -L qedisk-base \
  -U "$FS_UUID" -E "hash_seed=$HASH_SEED,root_owner=0:0" -d "$ROOT" "$W/base.ext2" "${SIZE_MIB}M" >/dev/null
e2fsck -f -n "$W/base.ext2" >"$W/fsck.log" 2>&1 || { cat "$W/fsck.log" >&2; exit 1; }
mv "$W/base.ext2" "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "build-base-rootfs: $(basename "$OUT") ($SIZE_MIB MiB, busybox-static $BUSYBOX_VERSION)" >&2
