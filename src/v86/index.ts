/** qedisk for v86: the hard-disk adapter. */
export { toV86Disk, DEFAULT_IDLE_FLUSH_MS, DEFAULT_MAX_FLUSH_DELAY_MS, type V86Disk, type V86DiskOptions, type V86DiskFailure, type V86GetOptions } from './v86-disk.ts';
export type { V86DiskStats } from './v86-disk-stats.ts';
export { prepareTscForRestore } from './tsc-offset.ts';
