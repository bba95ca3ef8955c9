/** The byte-array model workload of `disk-model.spec.ts`, which `webkit/opfs.spec.ts` runs too. */

/** A disk to create for the workload. */
export interface ModelDiskSpec {
  /** Disk name. */
  name: string;
  /** Virtual size in bytes. */
  size: number;
  /** Cluster size in bytes. */
  clusterSize: number;
  /** Table size in clusters. */
  tableSize: number;
}

/** 16 MiB with 4 KiB clusters and 2-cluster tables: each L2 table covers 4 MiB, so requests cross tables. */
export const MODEL_DISK: ModelDiskSpec = { name: 'model', size: 16 * 1024 * 1024, clusterSize: 4096, tableSize: 2 };
/** Seed of the workload. */
export const MODEL_SEED = 20240611;
/** Requests in the workload. */
export const MODEL_OP_COUNT = 400;
