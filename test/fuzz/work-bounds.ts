/**
 * Deterministic bounds on what one request may cost the engine, for the fuzzer: how much the file
 * may grow, and how many bytes the engine may read and write. They depend only on the request,
 * the geometry and the metadata the image holds, never on timing; an image that makes one small
 * request grow the file by gigabytes or read far more than its tables fails the run.
 */
import type { QedImage } from '../../src/engine/qed-image.ts';
import type { SyncFile } from '../../src/engine/sync-file.ts';
import type { RecordingFile } from '../support/recording-file.ts';

/** Header bytes the engine may read or rewrite per request (the header struct, in sectors). */
const HEADER_ALLOWANCE_BYTES = 4096;

/** What a request costs, measured around it. */
export interface RequestCost {
  sizeBefore: number;
  sizeAfter: number;
  bytesRead: number;
  bytesWritten: number;
}

/** The limits for one request over guest `[offset, offset + length)`. */
export interface RequestLimits {
  /** Largest file size the request may leave, in bytes. */
  maxSizeAfter: number;
  /** Most bytes the engine may read from the image file. */
  maxBytesRead: number;
  /** Most bytes the engine may write to the image file. */
  maxBytesWritten: number;
}

/**
 * Limits for a request: growth by at most the clusters it touches plus one new table per L2
 * table it spans; reads and writes by at most that, the request's bytes, and one pass over
 * every table the L1 names (the first write of a session scans them) plus the L1 itself.
 */
export function limitsFor(image: QedImage, referencedTables: number, sizeBefore: number, offset: number, length: number): RequestLimits {
  const { clusterSize, tableSize, tableBytes, bytesPerL2Table } = image.geometry;
  const end = offset + length;
  const clusters = length === 0 ? 0 : Math.ceil(end / clusterSize) - Math.floor(offset / clusterSize);
  const tables = length === 0 ? 0 : Math.ceil(end / bytesPerL2Table) - Math.floor(offset / bytesPerL2Table);
  const allocation = (clusters + tables * tableSize) * clusterSize;
  const metadata = (referencedTables + tables + 1) * tableBytes + HEADER_ALLOWANCE_BYTES;
  return {
    maxSizeAfter: Math.max(sizeBefore, sizeBefore - (sizeBefore % clusterSize) + allocation),
    maxBytesRead: 2 * clusters * clusterSize + metadata,
    maxBytesWritten: allocation + clusters * clusterSize + metadata,
  };
}

/** Runs `request` and measures it on `file`, whether it succeeds or throws; returns what it threw. */
export function measure(file: RecordingFile, request: () => void): { cost: RequestCost; error: unknown } {
  const sizeBefore = file.getSize();
  const readBefore = file.bytesRead;
  const writtenBefore = file.bytesWritten;
  let error: unknown;
  try {
    request();
  } catch (caught) {
    error = caught;
  }
  const cost = { sizeBefore, sizeAfter: file.getSize(), bytesRead: file.bytesRead - readBefore, bytesWritten: file.bytesWritten - writtenBefore };
  return { cost, error };
}

/** Nonzero entries of the L1 table of the QED image in `file` (read directly, not through the meter). */
export function countReferencedTables(file: SyncFile, tableBytes: number): number {
  const header = new Uint8Array(48);
  if (file.read(header, { at: 0 }) < header.byteLength) return 0;
  const l1Offset = Number(new DataView(header.buffer).getBigUint64(40, true));
  if (!Number.isSafeInteger(l1Offset)) return 0;
  const l1 = new Uint8Array(tableBytes);
  const view = new DataView(l1.buffer, 0, file.read(l1, { at: l1Offset }));
  let count = 0;
  for (let at = 0; at + 8 <= view.byteLength; at += 8) if (view.getBigUint64(at, true) !== 0n) count++;
  return count;
}

/** Throws (a plain Error: a fuzz failure) when `cost` exceeds `limits`. */
export function assertWithin(what: string, cost: RequestCost, limits: RequestLimits): void {
  const problems: string[] = [];
  if (cost.sizeAfter > limits.maxSizeAfter) problems.push(`grew the file from ${cost.sizeBefore} to ${cost.sizeAfter} bytes (limit ${limits.maxSizeAfter})`);
  if (cost.bytesRead > limits.maxBytesRead) problems.push(`read ${cost.bytesRead} bytes (limit ${limits.maxBytesRead})`);
  if (cost.bytesWritten > limits.maxBytesWritten) problems.push(`wrote ${cost.bytesWritten} bytes (limit ${limits.maxBytesWritten})`);
  if (problems.length > 0) throw new Error(`${what} ${problems.join(', ')}`);
}
