/** Narrowing helpers for the JSON that `qemu-img --output=json` prints (parsed as `unknown`). */

/** The JSON types the helpers can check for. */
interface JsonTypes {
  number: number;
  string: string;
  boolean: boolean;
}

/** True when `value` is a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns `record[key]`, which must exist and have JSON type `type`. */
export function field<K extends keyof JsonTypes>(record: Record<string, unknown>, key: string, type: K): JsonTypes[K] {
  const value = record[key];
  if (typeof value !== type) throw new Error(`JSON field "${key}" should be a ${type}, got ${JSON.stringify(value)}`);
  return value as JsonTypes[K];
}

/** Returns `record[key]` when present (it must then have type `type`), else `fallback`. */
export function fieldOr<K extends keyof JsonTypes, F>(record: Record<string, unknown>, key: string, type: K, fallback: F): JsonTypes[K] | F {
  return record[key] === undefined ? fallback : field(record, key, type);
}

/** A counter QEMU leaves out when it is zero. */
export function optionalNumber(record: Record<string, unknown>, key: string): number {
  return fieldOr(record, key, 'number', 0);
}
