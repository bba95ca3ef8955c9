/**
 * A `Disk` wrapper for the guest benchmark page that records how long each read and write the
 * guest's requests turn into takes (and each flush), from the call to the settled promise (milliseconds), so the
 * benchmark can tell the disk's latency apart from the guest's own time.
 */
import type { Disk } from '../../src/protocol/types.ts';

/** Durations of one kind of request, in milliseconds, in completion order. */
export interface RequestTimes {
  /** One entry per completed request. */
  durationsMs: number[];
  /** Bytes those requests moved. */
  bytes: number;
}

/** What the wrapper records. */
export interface DiskTimes {
  read: RequestTimes;
  write: RequestTimes;
  /** Flushes (the adapter's idle flush); `bytes` stays 0. */
  flush: RequestTimes;
}

/** An empty record. */
export function emptyDiskTimes(): DiskTimes {
  return { read: { durationsMs: [], bytes: 0 }, write: { durationsMs: [], bytes: 0 }, flush: { durationsMs: [], bytes: 0 } };
}

/** `disk` with its `read`, `write` and `flush` timed into `times` (which the caller may swap out between phases). */
export function timedDisk(disk: Disk, times: () => DiskTimes): Disk {
  const timed = <T>(kind: keyof DiskTimes, bytes: number, request: Promise<T>): Promise<T> => {
    const started = performance.now();
    return request.finally(() => {
      const record = times()[kind];
      record.durationsMs.push(performance.now() - started);
      record.bytes += bytes;
    });
  };
  return {
    name: disk.name,
    size: disk.size,
    read: (offset, length) => timed('read', length, disk.read(offset, length)),
    write: (offset, data) => timed('write', data.byteLength, disk.write(offset, data)),
    writeZeroes: (offset, length) => disk.writeZeroes(offset, length),
    flush: () => timed('flush', 0, disk.flush()),
    info: () => disk.info(),
    check: (options) => disk.check(options),
    exportFile: () => disk.exportFile(),
    close: () => disk.close(),
  };
}
