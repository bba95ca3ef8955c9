/** Running `bin/qedisk` and `qemu-img` as child processes in a scratch directory, for the CLI tests. */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, readSync, closeSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The executable under test. */
export const QEDISK_BIN = fileURLToPath(new URL('../../bin/qedisk', import.meta.url));

/** What a finished child process left behind. */
export interface RunResult {
  /** Exit status (null if killed by a signal). */
  status: number | null;
  /** Everything written to stdout. */
  stdout: Buffer;
  /** Everything written to stderr, as text. */
  stderr: string;
}

/** A fresh scratch directory under the system temp directory. */
export function scratchDirectory(): string {
  return mkdtempSync(join(tmpdir(), 'qedisk-cli-'));
}

/** Runs `qedisk args...` in `cwd`, feeding `input` to stdin when given. */
export function qedisk(cwd: string, args: readonly string[], input?: Uint8Array | string): RunResult {
  return collect(spawnSync(QEDISK_BIN, args, { cwd, input: input ?? '', maxBuffer: 64 * 1024 * 1024 }));
}

/** Runs `qemu-img args...` in `cwd`. */
export function qemuImg(cwd: string, args: readonly string[]): RunResult {
  return collect(spawnSync('qemu-img', args, { cwd, maxBuffer: 64 * 1024 * 1024 }));
}

/** Runs `qemu-img args...` in `cwd` and parses its JSON output; throws when it exits non-zero. */
export function qemuImgJson(cwd: string, args: readonly string[]): unknown {
  const result = qemuImg(cwd, [...args, '--output=json']);
  if (result.status !== 0) throw new Error(`qemu-img ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout.toString('utf8'));
}

/** Narrows parsed JSON to an object; throws otherwise. */
export function asRecord(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`expected a JSON object, got ${JSON.stringify(value)}`);
  return Object.fromEntries(Object.entries(value));
}

/** Narrows parsed JSON to an array of objects; throws otherwise. */
export function asRecords(value: unknown): Array<Record<string, unknown>> {
  if (!Array.isArray(value)) throw new Error(`expected a JSON array, got ${JSON.stringify(value)}`);
  return value.map(asRecord);
}

/** The SHA-256 of a file's bytes, as hex. */
export function fileHash(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Reads the little-endian u64 at `offset` of the file at `path`. */
export function readU64(path: string, offset: number): number {
  const bytes = Buffer.alloc(8);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, bytes, 0, 8, offset);
  } finally {
    closeSync(fd);
  }
  return Number(bytes.readBigUInt64LE(0));
}

/** Writes `value` as a little-endian u64 at `offset` of the file at `path`. */
export function writeU64(path: string, offset: number, value: number): void {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(BigInt(value));
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, bytes, 0, 8, offset);
  } finally {
    closeSync(fd);
  }
}

/** Sets entry `index` of the L2 table behind L1 entry 0 of the QED image at `path` (header field at byte 40). */
export function pokeFirstL2Entry(path: string, index: number, value: number): void {
  const l1Offset = readU64(path, 40);
  const l2Offset = readU64(path, l1Offset);
  if (l2Offset === 0) throw new Error('the image has no L2 table behind L1 entry 0');
  writeU64(path, l2Offset + 8 * index, value);
}

function collect(result: SpawnSyncReturns<Buffer>): RunResult {
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.toString('utf8') };
}
