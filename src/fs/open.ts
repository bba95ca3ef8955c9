/** `openFileSystem`: finds the file system on a disk (whole disk or one partition) and opens it. */
import type { BlockDevice } from './block-device.ts';
import { SliceDevice } from './block-device.ts';
import { detectFileSystem } from './detect.ts';
import { FsAmbiguousError, FsNotAFileSystemError } from './errors.ts';
import { ExtFileSystem } from './ext/ext-file-system.ts';
import { FatFileSystem } from './fat/fat-file-system.ts';
import type { FileSystem } from './file-system.ts';
import type { Partition, PartitionTable } from './partitions/index.ts';
import { partitionDevice, readPartitionTable } from './partitions/index.ts';

/** Options of `openFileSystem`. */
export interface OpenFileSystemOptions {
  /** Partition number as `readPartitionTable` numbers them (from 1); absent: auto-detect. */
  partition?: number;
  /** Refuse writes. */
  readOnly?: boolean;
  /** The clock for times qedisk sets, seconds since the Unix epoch (default: the real time). */
  now?: () => number;
}

/** An open file system and where it was found. */
export interface OpenedFileSystem {
  fs: FileSystem;
  /** The partition it lives in, or null for a whole-disk file system. */
  partition: Partition | null;
}

/**
 * Opens the file system of `device`. Without `partition`: the whole disk when it holds a
 * supported file system, else the only partition that does, else `FsAmbiguousError` (several)
 * or `FsNotAFileSystemError` (none), both listing the partitions.
 */
export function openFileSystem(device: BlockDevice, options: OpenFileSystemOptions = {}): OpenedFileSystem {
  if (options.partition !== undefined) {
    const table = readPartitionTable(device);
    const { partition, device: slice } = partitionDevice(device, table, options.partition);
    return { fs: openOn(slice, options, `partition ${partition.number}`), partition };
  }
  if (detectFileSystem(device) !== null) return { fs: openOn(device, options, 'the disk'), partition: null };
  const table = readPartitionTable(device);
  const candidates = table.partitions.filter((partition) => partition.kind !== 'extended' && detectFileSystem(new SliceDevice(device, partition.start, partition.size)) !== null);
  const only = candidates[0];
  if (candidates.length === 1 && only) return { fs: openOn(new SliceDevice(device, only.start, only.size), options, `partition ${only.number}`), partition: only };
  const listing = describePartitions(table);
  if (candidates.length === 0) throw new FsNotAFileSystemError(`no supported file system on the disk or its partitions${listing}`);
  throw new FsAmbiguousError(`several partitions hold file systems (${candidates.map((p) => p.number).join(', ')}): choose one${listing}`);
}

function openOn(device: BlockDevice, options: OpenFileSystemOptions, where: string): FileSystem {
  const family = detectFileSystem(device);
  const fsOptions = { ...(options.readOnly === undefined ? {} : { readOnly: options.readOnly }), ...(options.now ? { now: options.now } : {}) };
  if (family === 'ext') return new ExtFileSystem(device, fsOptions);
  if (family === 'fat') return new FatFileSystem(device, fsOptions);
  throw new FsNotAFileSystemError(`no supported file system on ${where}`);
}

function describePartitions(table: PartitionTable): string {
  if (table.partitions.length === 0) return ' (no partition table)';
  return ` (partitions: ${table.partitions.map((p) => `${p.number} ${p.typeName} ${p.size} bytes`).join('; ')})`;
}
