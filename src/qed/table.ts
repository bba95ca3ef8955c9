/**
 * An L1 or L2 table held in memory as its on-disk bytes (little-endian u64 entries), so that a
 * changed range can be written back without re-encoding. Pure; no I/O.
 */
import { readU64AsOffset, viewOf, writeOffsetAsU64 } from './bytes.ts';
import { SECTOR_SIZE_BYTES, TABLE_ENTRY_SIZE_BYTES } from './constants.ts';

/** Entries in one 512-byte sector of a table. */
export const ENTRIES_PER_SECTOR = SECTOR_SIZE_BYTES / TABLE_ENTRY_SIZE_BYTES;

/** A byte range of a table, relative to the table's start. */
export interface TableByteRange {
  /** First byte of the range, relative to the table's start. */
  readonly start: number;
  /** Bytes in the range. */
  readonly length: number;
}

/** One QED table: `entryCount` u64 LE file offsets. */
export class Table {
  /** The table's bytes, exactly as on disk. Owned by the table. */
  readonly bytes: Uint8Array;
  readonly #view: DataView;

  /** Wraps `bytes` (taken over, not copied); its length must be a multiple of 8. */
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.#view = viewOf(bytes);
  }

  /** Creates a zero-filled table of `byteLength` bytes. */
  static empty(byteLength: number): Table {
    return new Table(new Uint8Array(byteLength));
  }

  /** Number of entries. */
  get entryCount(): number {
    return this.bytes.byteLength / TABLE_ENTRY_SIZE_BYTES;
  }

  /** Entry `index` as a number; values beyond 2^53 come back as `Infinity`. */
  get(index: number): number {
    return readU64AsOffset(this.#view, index * TABLE_ENTRY_SIZE_BYTES);
  }

  /** Sets entry `index` to `value` (a non-negative safe integer). */
  set(index: number, value: number): void {
    writeOffsetAsU64(this.#view, index * TABLE_ENTRY_SIZE_BYTES, value);
  }

  /** Sets `count` entries from `index` on: `first`, `first + step`, `first + 2*step`, ... */
  fill(index: number, count: number, first: number, step: number): void {
    for (let i = 0; i < count; i++) this.set(index + i, first + i * step);
  }

  /** Whole 512-byte sectors covering entries `[index, index + count)`, as a byte range. */
  static sectorRange(index: number, count: number): TableByteRange {
    const firstEntry = index - (index % ENTRIES_PER_SECTOR);
    const endEntry = Math.ceil((index + count) / ENTRIES_PER_SECTOR) * ENTRIES_PER_SECTOR;
    return { start: firstEntry * TABLE_ENTRY_SIZE_BYTES, length: (endEntry - firstEntry) * TABLE_ENTRY_SIZE_BYTES };
  }
}
