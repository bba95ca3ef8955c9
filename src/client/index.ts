/** The page API of qedisk: persistent QED disks in OPFS, served by a worker. */
export { openDisk, listDisks, deleteDisk, importDisk, type ImportDiskOptions } from './disk-manager.ts';
export { storageEstimate, requestPersistence, type StorageUsage } from './storage.ts';
export { DiskBusyError, DiskNotFoundError, DiskExistsError, reviveError } from './errors.ts';
export { isValidDiskName, validateDiskName, MAX_DISK_NAME_LENGTH } from './disk-name.ts';
export type * from './types.ts';
