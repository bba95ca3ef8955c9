/**
 * The guest's own disk throughput, measured with busybox `dd` inside the Linux guest and timed
 * with the guest's `/proc/uptime` (10 ms steps; this busybox prints no rate): a file of random
 * data is written to the disk's ext2 file system with `conv=fsync`, the page cache is dropped,
 * and the file is read back. The data comes from a file in the guest's RAM, made before the
 * clock starts, so neither `/dev/urandom` nor the guest's page cache is measured.
 */

/** Size of the test file in MiB (the disk must have room for it). */
export const DD_FILE_MIB = 16;
/** Size of one dd block in bytes. */
const DD_BLOCK_BYTES = 64 * 1024;
/** Bytes of random data the source file repeats. */
const CHUNK_BYTES = 1024 * 1024;

/** The phases of a round, in order. */
export type DdPhase = 'prepare' | 'write' | 'read' | 'cleanup';

/** The shell line of `phase`; `write` and `read` print `QEDISK-DD-WRITE`/`-READ bytes=N t=A-B`. */
export function ddCommand(phase: DdPhase): string {
  switch (phase) {
    case 'prepare':
      return [
        `dd if=/dev/urandom of=/tmp/dd-chunk bs=${CHUNK_BYTES} count=1 2>/dev/null`,
        'rm -f /tmp/dd-src /mnt/dd.bin',
        `i=0; while [ $i -lt ${(DD_FILE_MIB * 1024 * 1024) / CHUNK_BYTES} ]; do cat /tmp/dd-chunk >> /tmp/dd-src; i=$((i + 1)); done`,
        'sync',
      ].join('; ');
    case 'write':
      return timed('WRITE', `dd if=/tmp/dd-src of=/mnt/dd.bin bs=${DD_BLOCK_BYTES} conv=fsync 2>/dev/null`);
    case 'read':
      return timed('READ', `dd if=/mnt/dd.bin of=/dev/null bs=${DD_BLOCK_BYTES} 2>/dev/null`);
    case 'cleanup':
      return 'rm -f /tmp/dd-chunk /tmp/dd-src /mnt/dd.bin; sync';
  }
}

/** `command` between two readings of the guest's clock, the page cache dropped first. */
function timed(label: string, command: string): string {
  return [
    'echo 3 > /proc/sys/vm/drop_caches',
    'read t0 x < /proc/uptime',
    command,
    'read t1 x < /proc/uptime',
    `echo "QEDISK-DD-${label} bytes=$(stat -c %s /mnt/dd.bin) t=$t0-$t1"`,
  ].join('; ');
}

/** Seconds the last `QEDISK-DD-WRITE` or `-READ` line in `serial` reports; throws when there is none or it is unusable. */
export function parseDdSeconds(serial: string, phase: 'write' | 'read'): number {
  const pattern = new RegExp(`^QEDISK-DD-${phase.toUpperCase()} bytes=(\\d+) t=(\\d+\\.\\d+)-(\\d+\\.\\d+)\\r?$`, 'gm');
  const match = [...serial.matchAll(pattern)].at(-1);
  if (!match) throw new Error(`the guest printed no QEDISK-DD-${phase.toUpperCase()} line`);
  const bytes = Number(match[1]);
  const seconds = Number(match[3]) - Number(match[2]);
  if (bytes !== DD_FILE_MIB * 1024 * 1024) throw new Error(`the guest's file has ${bytes} bytes, not ${DD_FILE_MIB} MiB`);
  if (!(seconds > 0)) throw new Error(`dd finished within the guest clock's 10 ms step: ${match[0]}`);
  return seconds;
}
