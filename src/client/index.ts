/** The page API of qedisk: persistent QED disks in OPFS, served by a worker. */
export { openDisk, listDisks, deleteDisk, importDisk, type ImportDiskOptions } from './disk-manager.ts';
export { resetDisk, snapshotDisk, listSnapshots, restoreSnapshot, deleteSnapshot, MAX_SNAPSHOT_LABEL_LENGTH } from './snapshot-manager.ts';
export { configureDiskWorker, type DiskWorkerSource } from './worker-connection.ts';
export { storageEstimate, requestPersistence, type StorageUsage } from './storage.ts';
export { DiskBusyError, DiskNotFoundError, DiskExistsError, DiskInUseError, SnapshotNotFoundError, reviveError } from '../protocol/errors.ts';
export { QedBackingChangedError } from '../backends/remote/backing-changed-error.ts';
export { isValidDiskName, validateDiskName, MAX_DISK_NAME_LENGTH } from '../protocol/disk-name.ts';
export type * from '../protocol/types.ts';
