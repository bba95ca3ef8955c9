/**
 * qedisk for the page: persistent QED disks in the origin-private file system, served by a worker
 * that ships beside this module, and their adapter for v86.
 */
export { openDisk, listDisks, deleteDisk, importDisk, type ImportDiskOptions } from './client/disk-manager.ts';
export { resetDisk, snapshotDisk, listSnapshots, restoreSnapshot, deleteSnapshot, MAX_SNAPSHOT_LABEL_LENGTH } from './client/snapshot-manager.ts';
export { storageEstimate, requestPersistence, storageReport, compactDisk, freeBaseCache, type StorageUsage, type CompactDiskOptions } from './client/storage.ts';
export type { StorageReport, StorageFilesReport, DiskStorageReport, StoredFileReport, SnapshotFileReport, BaseCacheReport, OtherStorageReport, CompactDiskProgress, CompactDiskResult, CompactedFile, FreeSpaceResult, WorkerCompactOptions } from './protocol/storage.ts';
export { StorageInUseError, BaseCacheNotFoundError } from './protocol/storage-errors.ts';
export { QedCompactionError } from './engine/compact-errors.ts';
export { saveVm, listVmSaves, restoreVm, deleteVmSave, readVmState } from './client/vm-saves/vm-saves.ts';
export { exportVm, importVm, openPublishedVm, type ExportVmOptions, type ImportVmOptions } from './client/vm-saves/vm-transfer.ts';
export type { VmEmulator, VmSaveInfo, VmSaveResult, SaveVmOptions, RestoreVmOptions, VmMeta } from './client/vm-saves/vm-types.ts';
export { VmSaveError, VmSaveMismatchError, VmSaveNotFoundError, VmSaveFormatError, type VmDiskIdentity } from './protocol/vm-saves.ts';
export { configureDiskWorker, getSupport, type DiskWorkerSource } from './client/worker-connection.ts';
export type { StorageSupport } from './client/support.ts';
export { openMemoryDisk, type MemoryDiskOptions } from './client/memory-disk.ts';
export { localDisk, type LocalDiskOptions } from './client/local-disk.ts';
export { isValidDiskName, validateDiskName, MAX_DISK_NAME_LENGTH } from './protocol/disk-name.ts';
export { DiskError, DiskBusyError, DiskNotFoundError, DiskExistsError, DiskInUseError, SnapshotNotFoundError } from './protocol/errors.ts';
export { QedBackingChangedError } from './backends/remote/backing-changed-error.ts';
export { ImportBackingFileError } from './protocol/import-errors.ts';
export { ImageCorruptionError, ImageEncryptedError, ImageFormatError, ImageUnsupportedError } from './formats/errors.ts';
export type { KeptImageFormat } from './protocol/base-names.ts';
export * from './qed/errors.ts';
export type * from './protocol/types.ts';
export type { CheckOptions, CheckReport, CompactReport, Extent, IoStats } from './engine/types.ts';
export type { L2CacheStats } from './engine/l2-cache.ts';
export * from './v86/index.ts';
export { openFiles, listPartitions, DiskFiles, MAX_READ_FILE_BYTES, type OpenFilesOptions, type ReadChunksOptions, type ZipDownload, type FileData } from './client/files.ts';
export { READING_SNAPSHOT_LABEL } from './client/files/reading-pin.ts';
export { DiskAttachedError, FilesChangedError, FilesWriteInterruptedError, FilesZipLimitError } from './protocol/files-errors.ts';
export type { FileEntry, FileStat, FileType, FileSystemKind, FsUsage, PartitionInfo, VolumeInfo, FilesWriteOptions, FilesMkdirOptions, FilesRmOptions, ZipOptions } from './protocol/files.ts';
export * from './fs/errors.ts';
