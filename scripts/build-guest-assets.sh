#!/usr/bin/env bash
# Builds the guest that the demo and the v86 browser tests boot, offline from Debian packages:
#   seabios.bin, vgabios.bin      BIOS images (Debian seabios, vgabios)
#   vmlinuz-686.bin               32-bit Debian kernel (v86 has no 64-bit mode), given as bzimage
#                                 (".bin": Vite would serve a file without extension as a JS module)
#   initramfs.cpio.gz             busybox-static + the ATA/SCSI/ext4 modules and an /init that
#                                 formats an empty /dev/sda (first boot only), mounts it on /mnt,
#                                 prints QEDISK-READY on ttyS0 and runs a shell there
#   boot-sector-test.bin          512-byte int 13h persistence test (nasm)
#   sha256sums.txt                SHA-256 of the four files v86 boots the Linux guest from: the
#                                 page keys its saved v86 states by them (a rebuilt guest makes
#                                 every saved state stale) without downloading the kernel first
# The files are GPL/LGPL: they are fetched at set-up time and never committed.
# Needs root (apt-get download into private dirs; the system's own apt state is not touched),
# dpkg, cpio, gzip, nasm and sha256sum.
# Usage: scripts/build-guest-assets.sh [OUTDIR]    (default: demo/assets/guest)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(realpath -m "${1:-$HERE/../demo/assets/guest}")
mkdir -p "$OUT"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

for tool in apt-get apt-cache dpkg cpio gzip nasm sha256sum; do
  command -v "$tool" >/dev/null || { echo "build-guest-assets: '$tool' is missing" >&2; exit 2; }
done

# i386 package indexes in a private directory: the host's architectures stay as they are.
APT=(-oAPT::Architecture=i386 -oAPT::Architectures=i386
     -oDir::State::Lists="$W/lists" -oDir::Cache="$W/cache" -oDebug::NoLocking=1
     -oAcquire::Retries=3)
mkdir -p "$W/lists/partial" "$W/cache/archives/partial"
apt-get "${APT[@]}" update -qq 2>"$W/update.err" ||
  echo "build-guest-assets: some i386 indexes failed to update (the main archive is enough)" >&2

# The metapackage names the current kernel ABI package.
KPKG=$(apt-cache "${APT[@]}" depends linux-image-686 |
  awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[ -n "$KPKG" ] || { cat "$W/update.err" >&2; echo "build-guest-assets: no linux-image-686" >&2; exit 1; }
echo "build-guest-assets: kernel package $KPKG" >&2

# apt drops privileges to _apt for downloads; let it write into the private directory.
chmod 0755 "$W"; chown -R _apt "$W/cache" 2>/dev/null || true
(cd "$W/cache" && apt-get "${APT[@]}" download "$KPKG" busybox-static seabios vgabios 2>&1 |
  grep -v -i unsandboxed >&2 || true)
for pkg in "$KPKG" busybox-static seabios vgabios; do
  ls "$W/cache/${pkg}"_*.deb >/dev/null 2>&1 ||
    { echo "build-guest-assets: download of $pkg failed" >&2; exit 1; }
done
for deb in "$W"/cache/*.deb; do dpkg-deb -x "$deb" "$W/x"; done

cp "$W/x/usr/share/seabios/bios.bin" "$OUT/seabios.bin"
cp "$W/x/usr/share/vgabios/vgabios.bin" "$OUT/vgabios.bin"
cp "$W"/x/boot/vmlinuz-* "$OUT/vmlinuz-686.bin"

# --- initramfs -------------------------------------------------------------------------------
KVER=$(ls "$W/x/lib/modules")
KMOD="$W/x/lib/modules/$KVER/kernel"
ROOT="$W/initramfs"
mkdir -p "$ROOT"/{bin,dev,proc,sys,mnt,tmp,lib/modules}
cp "$W/x/bin/busybox" "$ROOT/bin/busybox"
# Load order matters: each module's dependencies come first.
MODULES="drivers/scsi/scsi_common drivers/scsi/scsi_mod drivers/ata/libata drivers/ata/ata_piix
  crypto/crct10dif_common crypto/crct10dif_generic lib/crc-t10dif lib/crc64
  crypto/crc64_rocksoft_generic lib/crc64-rocksoft block/t10-pi drivers/scsi/sd_mod lib/crc16
  fs/mbcache fs/jbd2/jbd2 crypto/crc32c_generic fs/ext4/ext4"
: > "$ROOT/lib/modules/order"
for m in $MODULES; do
  f="$KMOD/$m.ko"
  [ -f "$f" ] || f="$KMOD/$m.ko.xz"
  [ -f "$f" ] || { echo "build-guest-assets: module $m not in $KPKG" >&2; exit 1; }
  cp "$f" "$ROOT/lib/modules/"
  case "$f" in *.xz) xz -d "$ROOT/lib/modules/$(basename "$f")" ;; esac
  basename "$m" >> "$ROOT/lib/modules/order"
done
cp "$HERE/guest-init.sh" "$ROOT/init"
chmod 0755 "$ROOT/init"
(cd "$ROOT" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9 > "$OUT/initramfs.cpio.gz")

# --- boot-sector test ------------------------------------------------------------------------
nasm -f bin -o "$OUT/boot-sector-test.bin" "$HERE/boot-sector-test.asm"

(cd "$OUT" && sha256sum seabios.bin vgabios.bin vmlinuz-686.bin initramfs.cpio.gz > sha256sums.txt)
echo "$KPKG" > "$OUT/KERNEL_PACKAGE"
ls -l "$OUT" >&2
