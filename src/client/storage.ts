/** The origin's storage budget: how much is used, how much is allowed, and asking to keep it. */

/** Usage and quota of the origin's storage, in bytes (0 when the browser does not say). */
export interface StorageUsage {
  /** Bytes used by the origin (OPFS, IndexedDB, caches, ...). */
  usage: number;
  /** Bytes the origin may use. */
  quota: number;
}

/** The browser's estimate of the origin's usage and quota (`navigator.storage.estimate()`). */
export async function storageEstimate(): Promise<StorageUsage> {
  const estimate = await navigator.storage.estimate();
  return { usage: estimate.usage ?? 0, quota: estimate.quota ?? 0 };
}

/**
 * Asks the browser not to evict the origin's storage under pressure (`navigator.storage.persist()`).
 * Resolves true when storage is (now) persistent.
 */
export async function requestPersistence(): Promise<boolean> {
  if (await navigator.storage.persisted()) return true;
  return navigator.storage.persist();
}
