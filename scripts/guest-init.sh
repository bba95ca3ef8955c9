#!/bin/busybox sh
# /init of the demo guest (runs from the initramfs as PID 1, console on ttyS0).
# First boot on an empty qedisk disk: format /dev/sda as ext2. Every boot: mount it on /mnt,
# print QEDISK-READY and give a shell on the serial console. A disk that holds something else
# (a partition table, another file system) is never formatted. Markers the tests wait for:
#   QEDISK-FORMATTED       the disk was blank (first 8 KiB all zero) and was formatted now
#   QEDISK-EXISTING-FS     the disk already had an ext2/3/4 file system
#   QEDISK-READY           /mnt is mounted; a shell follows
#   QEDISK-NO-DISK, QEDISK-UNKNOWN-DATA, QEDISK-MOUNT-FAILED   no disk, or not mounted (a shell follows)
/bin/busybox --install -s /bin
export PATH=/bin HOME=/root PS1='qedisk# '
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /lib/modules/order); do
  insmod "/lib/modules/$m.ko" || echo "INIT: insmod $m failed"
done
dmesg -n 1

i=0
while [ ! -b /dev/sda ] && [ "$i" -lt 200 ]; do sleep 0.1; i=$((i + 1)); done

# ext2/3/4 keep the magic 0xEF53 (little-endian) 56 bytes into the superblock at byte 1024.
has_extfs() {
  [ "$(dd if=/dev/sda bs=1 skip=1080 count=2 2>/dev/null | od -An -tx1 | tr -d ' \n')" = "53ef" ]
}

# A disk nobody wrote to yet reads as zeros.
is_blank() {
  [ -z "$(dd if=/dev/sda bs=512 count=16 2>/dev/null | od -An -v -tx1 | tr -d ' 0\n')" ]
}

if [ ! -b /dev/sda ]; then
  echo "QEDISK-NO-DISK"
elif ! has_extfs && ! is_blank; then
  echo "QEDISK-UNKNOWN-DATA: /dev/sda holds no ext2/3/4 file system but is not blank; not formatting it"
else
  if has_extfs; then
    echo "QEDISK-EXISTING-FS"
  else
    echo "QEDISK: /dev/sda is blank, formatting it as ext2 (first boot)"
    mke2fs -q -L qedisk /dev/sda >/dev/null && echo "QEDISK-FORMATTED"
  fi
  if mount /dev/sda /mnt; then   # ext2, ext3 or ext4: the ext4 driver serves all three
    echo "QEDISK-READY"
  else
    echo "QEDISK-MOUNT-FAILED"
  fi
fi
cd /mnt 2>/dev/null || cd /
exec setsid cttyhack sh -i
