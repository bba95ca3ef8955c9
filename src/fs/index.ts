/**
 * Files in and out of a disk without booting the guest: partition tables (MBR with logical
 * partitions, GPT), ext2/ext3/ext4 and FAT12/16/32 (VFAT long names), read and write, behind one
 * synchronous `FileSystem` interface that works on any `BlockDevice` (a `QedImage`, a partition
 * of it, a raw file in Node, memory). See README.md in this folder for coverage, the library
 * decision (npm `ext2fs`, `fatfs` and `partitioninfo` were evaluated and rejected: all
 * asynchronous, and Node-bound; this is our own code) and the safety model.
 */
export type { BlockDevice } from './block-device.ts';
export { FsDeviceRangeError, MemoryDevice, SliceDevice, readBytes } from './block-device.ts';
export * from './errors.ts';
export type { CreateOptions, DataSource, DirEntry, FileReader, FileStat, FileSystem, FileSystemKind, FileType, FsUsage, WriteFileOptions } from './file-system.ts';
export type { OpenFileSystemOptions, OpenedFileSystem } from './open.ts';
export { openFileSystem } from './open.ts';
export type { Partition, PartitionTable } from './partitions/index.ts';
export { partitionDevice, readPartitionTable } from './partitions/index.ts';
export { detectFileSystem } from './detect.ts';
export type { ExtOpenOptions } from './ext/ext-file-system.ts';
export { ExtFileSystem } from './ext/ext-file-system.ts';
export type { NodeKind } from './ext/mutations.ts';
export type { FatOpenOptions } from './fat/fat-file-system.ts';
export { FatFileSystem } from './fat/fat-file-system.ts';
export type { FormatExtOptions } from './ext/format.ts';
export { formatExt } from './ext/format.ts';
export type { FormatFatOptions } from './fat/format.ts';
export { formatFat } from './fat/format.ts';
