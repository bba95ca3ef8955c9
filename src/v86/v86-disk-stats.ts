/** Counters the v86 disk adapter keeps for the page. */

/** Guest I/O seen by the adapter since it was made. Byte counts are in bytes. */
export interface V86DiskStats {
  /** Guest reads completed. */
  reads: number;
  /** Guest bytes read. */
  bytesRead: number;
  /** Guest writes the disk has taken. */
  writes: number;
  /** Guest bytes written. */
  bytesWritten: number;
  /** Disk flushes completed (idle flushes and explicit ones). */
  flushes: number;
  /** Requests and flushes that failed. */
  errors: number;
  /** Requests issued and not finished yet. */
  inFlight: number;
}

/** All counters at zero. */
export function emptyStats(): V86DiskStats {
  return { reads: 0, bytesRead: 0, writes: 0, bytesWritten: 0, flushes: 0, errors: 0, inFlight: 0 };
}
