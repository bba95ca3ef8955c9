#!/usr/bin/env bash
# Installs the Debian packages the test suite's native oracles need when a command is missing, so
# `npm test` works on a fresh Debian machine. Usage: ensure-system-packages.sh test
#   test:  nasm, cpio, e2fsprogs, dosfstools, mtools, fdisk, gdisk (oracles of the guest-asset,
#          file-system and partition tests), qemu-utils (qemu-img, qemu-io), chromium, firefox-esr,
#          webkit2gtk-driver (WebKitGTK's MiniBrowser), xvfb and xauth (MiniBrowser's X server)
#   start: nothing any more: `npm start` builds the guest with Node alone (kept for old callers)
# Needs root (or sudo) only when something is missing; otherwise it just checks.
set -euo pipefail
declare -A PACKAGE_OF=([nasm]=nasm [cpio]=cpio [mke2fs]=e2fsprogs [qemu-img]=qemu-utils [qemu-io]=qemu-utils [chromium]=chromium
  [firefox-esr]=firefox-esr [mkfs.fat]=dosfstools [mcopy]=mtools [sfdisk]=fdisk [sgdisk]=gdisk [xvfb-run]=xvfb [xauth]=xauth
  [WebKitWebDriver]=webkit2gtk-driver)
[ "${1:-test}" = start ] && exit 0
commands=(nasm cpio mke2fs)
if [ "${1:-test}" = test ]; then
  commands+=(qemu-img qemu-io mkfs.fat mcopy sfdisk sgdisk)
  [ -n "${QEDISK_CHROMIUM:-}" ] || commands+=(chromium)   # QEDISK_CHROMIUM names another browser
  [ -n "${QEDISK_FIREFOX:-}" ] || commands+=(firefox-esr) # QEDISK_FIREFOX names another Firefox
  [ -n "${QEDISK_MINIBROWSER:-}" ] || commands+=(WebKitWebDriver xvfb-run xauth) # the WebKit project's MiniBrowser comes with webkit2gtk-driver
fi
missing=()
for command in "${commands[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("${PACKAGE_OF[$command]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "qedisk: missing Debian packages: $packages- install them with: apt-get install $packages" >&2
  exit 1
fi
echo "qedisk: installing Debian packages: $packages" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $packages >/dev/null
