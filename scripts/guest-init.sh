#!/bin/busybox sh
# /init of the demo guest (runs from the initramfs as PID 1, console on ttyS0).
# First boot on an empty qedisk disk: format /dev/sda as ext2. Every boot: mount it on /mnt,
# print QEDISK-READY and give a shell on the serial console. A disk that holds something else
# (a partition table, another file system) is never formatted.
#
# Fast starts: once the modules are loaded and /dev/sda has appeared, and before this script
# reads a byte of it, the init prints QEDISK-SNAPSHOT-POINT and waits for one line on the console:
# "cold SEED" after a normal boot, "restored SEED" when the page restored a saved v86 state taken
# at this point (possibly with another disk of the same size attached). Either way the block caches
# are dropped and the partition table is read again before the disk is examined, so nothing the
# kernel read from the disk the state was saved with survives. SEED (hex) is mixed into the
# kernel's random pool, since every restored guest starts with the same one.
#
# The start line may carry a third word, the page's clock in seconds since the epoch ("restored
# SEED EPOCH"): a restored state would otherwise run on the time it was saved at.
#
# Nothing written is kept back long: dirty pages go to the disk about a second after they were
# written (the kernel's default is 30 s, which a page reload or a closed tab would lose).
#
# The page's control line is COM2 (/dev/ttyS1), away from the user's shell on COM1. The agent
# there answers one command per line:
#   sync N    runs sync, then prints "QEDISK-SYNCED N" (the page's Stop waits for it)
#   clock S   sets the clock to S seconds since the epoch, then prints "QEDISK-CLOCK S"
#   cols C    sets the width of the console (COM1) to C columns, then prints "QEDISK-COLS C"
# and prints "QEDISK-DIRTY KB" whenever the kilobytes of page cache not yet on the disk (dirty or
# being written back) change, so the page knows when leaving would lose something.
#
# Markers the tests wait for:
#   QEDISK-SNAPSHOT-POINT  the page may save the state now; the init waits for the start line
#   QEDISK-START: MODE     the start line arrived (MODE is cold or restored)
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
rm -f /lib/modules/*.ko   # loaded: their 2 MB of RAM would only make a saved state bigger
dmesg -n 1

i=0
while [ ! -b /dev/sda ] && [ "$i" -lt 200 ]; do sleep 0.1; i=$((i + 1)); done

stty -echo 2>/dev/null
echo "QEDISK-SNAPSHOT-POINT"
read -r start_mode start_seed start_epoch
stty echo 2>/dev/null
[ -n "$start_seed" ] && echo "$start_seed" > /dev/urandom
case "$start_epoch" in
  '' | *[!0-9]*) ;;
  *) date -s "@$start_epoch" >/dev/null 2>&1 || echo "INIT: could not set the clock" ;;
esac
# Flusher wakes every second and writes back what has been dirty for a second (in 1/100 s).
echo 100 > /proc/sys/vm/dirty_writeback_centisecs
echo 100 > /proc/sys/vm/dirty_expire_centisecs
echo "QEDISK-START: ${start_mode:-cold}"
if [ -b /dev/sda ]; then
  echo 3 > /proc/sys/vm/drop_caches
  blockdev --flushbufs /dev/sda
  blockdev --rereadpt /dev/sda 2>/dev/null
  # Read ahead 1 MiB instead of 128 KiB: each disk request costs the guest a round trip to the
  # page (and to the disk's worker), so sequential reads go 2-4 times faster in fewer, larger ones.
  blockdev --setra 2048 /dev/sda
fi

# ext2/3/4 keep the magic 0xEF53 (little-endian) 56 bytes into the superblock at byte 1024.
has_extfs() {
  [ "$(dd if=/dev/sda bs=1 skip=1080 count=2 2>/dev/null | od -An -tx1 | tr -d ' \n')" = "53ef" ]
}

# A disk nobody wrote to yet reads as zeros.
is_blank() {
  [ -z "$(dd if=/dev/sda bs=512 count=16 2>/dev/null | od -An -v -tx1 | tr -d ' 0\n')" ]
}

mount_disk() {
  if mount /dev/sda /mnt; then   # ext2, ext3 or ext4: the ext4 driver serves all three
    [ -f /mnt/etc/motd ] && cat /mnt/etc/motd   # the demo's shared base has one
    echo "QEDISK-READY"
  else
    echo "QEDISK-MOUNT-FAILED"
  fi
}

if [ ! -b /dev/sda ]; then
  echo "QEDISK-NO-DISK"
elif has_extfs; then
  echo "QEDISK-EXISTING-FS"
  mount_disk
elif is_blank; then
  echo "QEDISK: /dev/sda is blank, formatting it as ext2 (first boot)"
  # 4 KiB blocks, the page size: with busybox's default of 1 KiB blocks below 512 MiB, every
  # block mke2fs writes makes the kernel read its 4 KiB page first (over 500 synchronous reads
  # for 64 MiB), and file writes go 1 KiB at a time. Measured in v86 on 64 MiB: format 2.6 s ->
  # 0.2 s, a 16 MiB dd with fsync about 4 times faster.
  mke2fs -q -L qedisk -b 4096 /dev/sda >/dev/null && echo "QEDISK-FORMATTED"
  mount_disk
else
  echo "QEDISK-UNKNOWN-DATA: /dev/sda holds no ext2/3/4 file system but is not blank; not formatting it"
fi
# The control agent on COM2 (see the top): one command per line, and the dirty page count.
control_agent() {
  stty -echo -icrnl 2>/dev/null
  reported=
  while :; do
    if read -r -t 1 command argument; then
      case "$command:$argument" in
        sync:*) sync; echo "QEDISK-SYNCED $argument" ;;
        clock:[0-9]*) date -s "@$argument" >/dev/null 2>&1 && echo "QEDISK-CLOCK $argument" ;;
        cols:[0-9]*) stty -F /dev/ttyS0 cols "$argument" 2>/dev/null && echo "QEDISK-COLS $argument" ;;
      esac
    fi
    unsaved=0
    while read -r key kilobytes unit; do
      case "$key" in Dirty: | Writeback:) unsaved=$((unsaved + kilobytes)) ;; esac
    done < /proc/meminfo
    [ "$unsaved" != "$reported" ] && echo "QEDISK-DIRTY $unsaved" && reported=$unsaved
  done
}
if [ -c /dev/ttyS1 ]; then
  (control_agent < /dev/ttyS1 > /dev/ttyS1 2>/dev/null &)
fi

# Wider than the 80 columns a serial line starts with; the page sets its console's real width.
stty cols 120 2>/dev/null
cd /mnt 2>/dev/null || cd /
exec setsid cttyhack sh -i
