/**
 * The disk catalogue: one `DiskRecord` per disk in IndexedDB (database `qedisk`, store `disks`),
 * through idb-keyval. OPFS holds the data; the catalogue holds what is handy to list quickly.
 */
import { type UseStore, createStore, del, get, set, values } from 'idb-keyval';
import type { DiskRecord, SnapshotRecord } from '../protocol/types.ts';

let store: UseStore | null = null;

/** The idb-keyval store, opened on first use. */
function catalogueStore(): UseStore {
  store ??= createStore('qedisk', 'disks');
  return store;
}

/** True when `value` has the shape of a `DiskRecord`. */
function isDiskRecord(value: unknown): value is DiskRecord {
  if (typeof value !== 'object' || value === null) return false;
  const base: unknown = Reflect.get(value, 'base');
  return (
    typeof Reflect.get(value, 'name') === 'string' &&
    typeof Reflect.get(value, 'size') === 'number' &&
    typeof Reflect.get(value, 'createdAt') === 'number' &&
    typeof Reflect.get(value, 'lastOpenedAt') === 'number' &&
    (base === null || typeof base === 'string')
  );
}

/** The well-formed snapshot notes of `record` (none when absent or damaged). */
export function snapshotRecords(record: DiskRecord | null): SnapshotRecord[] {
  const list: unknown = record?.snapshots;
  if (!Array.isArray(list)) return [];
  return list.filter((entry: unknown): entry is SnapshotRecord => {
    if (typeof entry !== 'object' || entry === null) return false;
    return typeof Reflect.get(entry, 'id') === 'string' && typeof Reflect.get(entry, 'label') === 'string' && typeof Reflect.get(entry, 'createdAt') === 'number';
  });
}

/** The record of disk `name`, or null. */
export async function getRecord(name: string): Promise<DiskRecord | null> {
  const value: unknown = await get(name, catalogueStore());
  return isDiskRecord(value) ? value : null;
}

/** Stores `record` (replacing the one of the same name). */
export async function putRecord(record: DiskRecord): Promise<void> {
  await set(record.name, { ...record }, catalogueStore());
}

/** Removes the record of disk `name`, if any. */
export async function deleteRecord(name: string): Promise<void> {
  await del(name, catalogueStore());
}

/** Every well-formed record. */
export async function allRecords(): Promise<DiskRecord[]> {
  const all: unknown[] = await values(catalogueStore());
  return all.filter(isDiskRecord);
}
