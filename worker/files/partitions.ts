/** The partitions of a disk with the file system qedisk finds in each, for `listPartitions`. */
import type { BlockDevice } from '../../src/fs/block-device.ts';
import { FsError } from '../../src/fs/errors.ts';
import type { FileSystemKind } from '../../src/fs/file-system.ts';
import { openFileSystem } from '../../src/fs/open.ts';
import { readPartitionTable } from '../../src/fs/partitions/index.ts';
import type { PartitionInfo } from '../../src/protocol/files.ts';

/** The partitions of `device` in number order (none without a table), each with its file system's kind or null. */
export function partitionsOf(device: BlockDevice): PartitionInfo[] {
  return readPartitionTable(device).partitions.map((partition) => ({
    ...partition,
    fileSystem: partition.kind === 'extended' ? null : kindIn(device, partition.number),
  }));
}

/** The kind of file system in partition `number`, or null when there is none qedisk opens. */
function kindIn(device: BlockDevice, number: number): FileSystemKind | null {
  try {
    return openFileSystem(device, { partition: number, readOnly: true }).fs.kind;
  } catch (error) {
    if (error instanceof FsError) return null;
    throw error;
  }
}
