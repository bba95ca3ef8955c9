/**
 * The boot prefetch manifest: which chunks of a remote base a first boot reads, in the order it
 * first reads them. Recorded once (a boot with a `ChunkTrace`), served next to the base as
 * `<base>.manifest.json`, and read by later first boots to stream those ranges ahead of the guest.
 * Pure: JSON in and out, no I/O.
 *
 * ```json
 * { "format": "qedisk-boot-manifest", "version": 1,
 *   "size": 67108864, "chunkSize": 65536, "etag": "\"…\"",
 *   "runs": [[0, 1], [1, 2], [16, 4], …] }
 * ```
 * `size` is the base's size in bytes when it was recorded, `chunkSize` the bytes per chunk of the
 * runs, `etag` the base's ETag then (or null; informational), `runs` the `[first, count]` runs of
 * chunks in first-read order. Runs are disjoint.
 */
import { isPowerOfTwo } from '../../qed/bytes.ts';
import { QedError } from '../../qed/errors.ts';
import type { ChunkRange } from './backing-pending-error.ts';
import { MAX_CHUNK_SIZE_BYTES, MIN_CHUNK_SIZE_BYTES } from './chunk-map.ts';

/** The `format` field every manifest carries. */
export const MANIFEST_FORMAT = 'qedisk-boot-manifest';
/** The layout version written and accepted. */
export const MANIFEST_VERSION = 1;
/** Suffix of a manifest's URL (and file name) after its base's. */
export const MANIFEST_SUFFIX = '.manifest.json';
/** Most runs a manifest may hold. */
export const MAX_MANIFEST_RUNS = 65536;
/** Longest manifest text accepted, in bytes (checked before parsing). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** A manifest that is not one: bad JSON, another format or version, or runs outside the base. */
export class PrefetchManifestError extends QedError {
  /** The class's stable name, which survives the worker boundary. */
  override name = 'PrefetchManifestError';
}

/** A boot prefetch manifest (see the module comment). */
export interface PrefetchManifest {
  /** Size of the base in bytes when recorded. */
  size: number;
  /** Bytes per chunk of `runs`. */
  chunkSize: number;
  /** The base's ETag when recorded, or null. */
  etag: string | null;
  /** Chunk runs in first-read order. */
  runs: ChunkRange[];
}

/** The manifest URL of the base at `baseUrl` (`…/base.ext2` -> `…/base.ext2.manifest.json`, query kept). */
export function manifestUrlOf(baseUrl: string): string {
  const url = new URL(baseUrl);
  url.pathname += MANIFEST_SUFFIX;
  url.hash = '';
  return url.href;
}

/** A manifest of a `size`-byte base from `runs` (a `ChunkTrace`'s, in `chunkSize`-byte chunks). */
export function manifestFromRuns(runs: readonly ChunkRange[], size: number, chunkSize: number, etag: string | null = null): PrefetchManifest {
  return checkManifest({ size, chunkSize, etag, runs: runs.map(({ first, count }) => ({ first, count })) });
}

/** The JSON text of `manifest` (one run per `[first, count]` pair, no extra whitespace). */
export function serializeManifest(manifest: PrefetchManifest): string {
  const { size, chunkSize, etag, runs } = checkManifest(manifest);
  return `${JSON.stringify({ format: MANIFEST_FORMAT, version: MANIFEST_VERSION, size, chunkSize, etag, runs: runs.map(({ first, count }) => [first, count]) })}\n`;
}

/** Parses manifest `text`. Throws `PrefetchManifestError` for anything but a valid manifest. */
export function parseManifest(text: string): PrefetchManifest {
  if (text.length > MAX_MANIFEST_BYTES) throw new PrefetchManifestError(`a manifest of ${text.length} characters is longer than ${MAX_MANIFEST_BYTES}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PrefetchManifestError(`the manifest is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof value !== 'object' || value === null) throw new PrefetchManifestError('the manifest is not a JSON object');
  const record = value as Record<string, unknown>;
  if (record['format'] !== MANIFEST_FORMAT) throw new PrefetchManifestError(`not a ${MANIFEST_FORMAT} (format ${JSON.stringify(record['format'])})`);
  if (record['version'] !== MANIFEST_VERSION) throw new PrefetchManifestError(`manifest version ${JSON.stringify(record['version'])} is not ${MANIFEST_VERSION}`);
  const etag = record['etag'] ?? null;
  if (etag !== null && typeof etag !== 'string') throw new PrefetchManifestError('the manifest etag is neither a string nor null');
  const runs = record['runs'];
  if (!Array.isArray(runs)) throw new PrefetchManifestError('the manifest has no runs array');
  if (runs.length > MAX_MANIFEST_RUNS) throw new PrefetchManifestError(`the manifest has ${runs.length} runs, more than ${MAX_MANIFEST_RUNS}`);
  const parsed = runs.map((run: unknown, index) => {
    if (!Array.isArray(run) || run.length !== 2 || !Number.isSafeInteger(run[0]) || !Number.isSafeInteger(run[1])) {
      throw new PrefetchManifestError(`run ${index} is not a pair of integers [first, count]`);
    }
    return { first: run[0] as number, count: run[1] as number };
  });
  return checkManifest({ size: record['size'] as number, chunkSize: record['chunkSize'] as number, etag, runs: parsed });
}

/** Checks sizes and that the runs are non-empty, inside the base and disjoint; returns `manifest`. */
function checkManifest(manifest: PrefetchManifest): PrefetchManifest {
  const { size, chunkSize, runs } = manifest;
  if (!Number.isSafeInteger(size) || size < 0) throw new PrefetchManifestError(`manifest size ${String(size)} is not a byte count`);
  if (!Number.isSafeInteger(chunkSize) || !isPowerOfTwo(chunkSize) || chunkSize < MIN_CHUNK_SIZE_BYTES || chunkSize > MAX_CHUNK_SIZE_BYTES) {
    throw new PrefetchManifestError(`manifest chunk size ${String(chunkSize)} is not a power of 2 from ${MIN_CHUNK_SIZE_BYTES} to ${MAX_CHUNK_SIZE_BYTES}`);
  }
  if (runs.length > MAX_MANIFEST_RUNS) throw new PrefetchManifestError(`the manifest has ${runs.length} runs, more than ${MAX_MANIFEST_RUNS}`);
  const chunkCount = Math.ceil(size / chunkSize);
  const sorted = [...runs].sort((a, b) => a.first - b.first);
  let end = 0;
  for (const { first, count } of sorted) {
    if (count < 1 || first < 0 || first + count > chunkCount) throw new PrefetchManifestError(`run [${first}, ${count}] is outside the base's ${chunkCount} chunks`);
    if (first < end) throw new PrefetchManifestError(`run [${first}, ${count}] overlaps another run`);
    end = first + count;
  }
  return manifest;
}

/**
 * The manifest's runs in first-read order as runs of `chunkSize`-byte chunks of a `size`-byte
 * base (the same runs when the chunk sizes match; converted through byte offsets otherwise, a
 * chunk already listed not repeated). Empty when `size` differs from the manifest's: a manifest
 * of another base is no guide.
 */
export function manifestChunkRanges(manifest: PrefetchManifest, size: number, chunkSize: number): ChunkRange[] {
  if (manifest.size !== size) return [];
  if (manifest.chunkSize === chunkSize) return manifest.runs.map(({ first, count }) => ({ first, count }));
  const seen = new Set<number>();
  const out: Array<{ first: number; count: number }> = [];
  for (const { first, count } of manifest.runs) {
    const start = Math.floor((first * manifest.chunkSize) / chunkSize);
    const end = Math.ceil(Math.min(size, (first + count) * manifest.chunkSize) / chunkSize);
    for (let chunk = start; chunk < end; chunk++) {
      if (seen.has(chunk)) continue;
      seen.add(chunk);
      const last = out[out.length - 1];
      if (last && last.first + last.count === chunk) last.count++;
      else out.push({ first: chunk, count: 1 });
    }
  }
  return out;
}
