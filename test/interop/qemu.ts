/**
 * Thin wrappers around the real `qemu-img` and `qemu-io` (QEMU 7.2): run them synchronously,
 * check their exit codes, and parse their JSON output into typed values. These are the ground
 * truth of the interop tests, so nothing here uses qedisk.
 */
import { spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { readFileSync, rmSync } from 'node:fs';
import { field, fieldOr, isRecord, optionalNumber } from './json.ts';

/** What a finished tool run left behind. */
export interface ToolResult {
  /** The command line, for messages. */
  readonly command: string;
  /** Exit code; 128 + signal number when the tool was killed (e.g. 134 for `abort`). */
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `tool` with `args` and throws unless the exit code is one of `allowed`. */
export function runTool(tool: string, args: readonly string[], allowed: readonly number[] = [0]): ToolResult {
  const run = spawnSync(tool, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.error) throw run.error;
  const signal = run.signal === null ? 0 : (constants.signals[run.signal] ?? 0);
  const result: ToolResult = {
    command: [tool, ...args].join(' '),
    status: run.status ?? 128 + signal,
    stdout: run.stdout,
    stderr: run.stderr,
  };
  if (!allowed.includes(result.status)) {
    throw new Error(`${result.command} exited with ${result.status} (allowed: ${allowed.join(', ')})\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

/** Runs `qemu-img` with `args`; throws unless the exit code is one of `allowed`. */
export function qemuImg(args: readonly string[], allowed: readonly number[] = [0]): ToolResult {
  return runTool('qemu-img', args, allowed);
}

/** Options of `qemuIo`. */
export interface QemuIoOptions {
  /** Image format given with `-f`. Default `qed`. */
  format?: 'qed' | 'raw';
  /** Open read-only (`-r`). Default false. */
  readOnly?: boolean;
  /** Accepted exit codes. Default `[0]`; qemu-io exits 1 when any command failed. */
  allowed?: readonly number[];
}

/** Runs `qemu-io` on `path` with one `-c` per command (statistics lines suppressed with -q where given). */
export function qemuIo(path: string, commands: readonly string[], options: QemuIoOptions = {}): ToolResult {
  const args = ['-f', options.format ?? 'qed', ...(options.readOnly ? ['-r'] : [])];
  for (const command of commands) args.push('-c', command);
  args.push(path);
  return runTool('qemu-io', args, options.allowed ?? [0]);
}

/** Geometry and backing of a `qemu-img create -f qed` call. Sizes in bytes. */
export interface QemuCreateOptions {
  size?: number;
  clusterSize?: number;
  tableSize?: number;
  /** Backing name as stored (relative to the image's directory) and the `-F` format. */
  backing?: { name: string; format: 'raw' | 'qed' };
}

/** Creates a QED image with `qemu-img create`. */
export function qemuCreate(path: string, options: QemuCreateOptions): void {
  const args = ['create', '-q', '-f', 'qed'];
  const opts: string[] = [];
  if (options.clusterSize !== undefined) opts.push(`cluster_size=${options.clusterSize}`);
  if (options.tableSize !== undefined) opts.push(`table_size=${options.tableSize}`);
  if (opts.length > 0) args.push('-o', opts.join(','));
  if (options.backing) args.push('-b', options.backing.name, '-F', options.backing.format);
  args.push(path);
  if (options.size !== undefined) args.push(String(options.size));
  qemuImg(args);
}

/** `qemu-img check --output=json`, every counter present (QEMU omits zeros). */
export interface QemuCheckReport {
  /** Exit code: 0 clean, 1 check errors, 2 corruptions, 3 leaks only. */
  readonly status: number;
  readonly corruptions: number;
  readonly corruptionsFixed: number;
  readonly leaks: number;
  readonly checkErrors: number;
  readonly allocatedClusters: number;
  readonly fragmentedClusters: number;
  readonly totalClusters: number;
}

/** Runs `qemu-img check --output=json` (with `-r all` when `repair`) and parses the report. */
export function qemuCheck(path: string, repair = false): QemuCheckReport {
  const result = qemuImg(['check', '--output=json', ...(repair ? ['-r', 'all'] : []), path], [0, 1, 2, 3]);
  const json: unknown = JSON.parse(result.stdout);
  if (!isRecord(json)) throw new Error(`unexpected qemu-img check output: ${result.stdout}`);
  return {
    status: result.status,
    corruptions: optionalNumber(json, 'corruptions'),
    corruptionsFixed: optionalNumber(json, 'corruptions-fixed'),
    leaks: optionalNumber(json, 'leaks'),
    checkErrors: optionalNumber(json, 'check-errors'),
    allocatedClusters: optionalNumber(json, 'allocated-clusters'),
    fragmentedClusters: optionalNumber(json, 'fragmented-clusters'),
    totalClusters: optionalNumber(json, 'total-clusters'),
  };
}

/** The parts of `qemu-img info --output=json` the tests compare. */
export interface QemuInfo {
  readonly virtualSize: number;
  readonly clusterSize: number;
  readonly backingFilename: string | null;
  /** `raw` only when the no-probe bit is set; QEMU does not store any other format. */
  readonly backingFilenameFormat: string | null;
}

/** Runs `qemu-img info --output=json` and parses it. */
export function qemuInfo(path: string): QemuInfo {
  const json: unknown = JSON.parse(qemuImg(['info', '--output=json', path]).stdout);
  if (!isRecord(json)) throw new Error('unexpected qemu-img info output');
  return {
    virtualSize: field(json, 'virtual-size', 'number'),
    clusterSize: field(json, 'cluster-size', 'number'),
    backingFilename: fieldOr(json, 'backing-filename', 'string', null),
    backingFilenameFormat: fieldOr(json, 'backing-filename-format', 'string', null),
  };
}

/** One extent of `qemu-img map --output=json`. Offsets and lengths in bytes. */
export interface QemuMapEntry {
  readonly start: number;
  readonly length: number;
  /** 0 for this image, 1 for its backing image, and so on. */
  readonly depth: number;
  readonly present: boolean;
  readonly zero: boolean;
  readonly data: boolean;
  /** Host file offset, when QEMU knows one. */
  readonly offset: number | null;
}

/** Runs `qemu-img map --output=json` and parses it. */
export function qemuMap(path: string): QemuMapEntry[] {
  const json: unknown = JSON.parse(qemuImg(['map', '--output=json', path]).stdout);
  if (!Array.isArray(json)) throw new Error('unexpected qemu-img map output');
  return json.map((entry: unknown) => {
    if (!isRecord(entry)) throw new Error('unexpected qemu-img map entry');
    return {
      start: field(entry, 'start', 'number'),
      length: field(entry, 'length', 'number'),
      depth: field(entry, 'depth', 'number'),
      present: field(entry, 'present', 'boolean'),
      zero: field(entry, 'zero', 'boolean'),
      data: field(entry, 'data', 'boolean'),
      offset: fieldOr(entry, 'offset', 'number', null),
    };
  });
}

/**
 * Every guest byte of `path` as QEMU reads it (`qemu-img convert -O raw`, which flattens the
 * backing chain). `scratchPath` receives the raw file and is removed afterwards.
 */
export function qemuReadAll(path: string, scratchPath: string, format: 'qed' | 'raw' = 'qed'): Uint8Array {
  const bytes = qemuTryReadAll(path, scratchPath, format);
  if (!bytes) throw new Error(`qemu-img convert could not read ${path}`);
  return bytes;
}

/** Like `qemuReadAll`, but returns null when QEMU fails to read some part of the image. */
export function qemuTryReadAll(path: string, scratchPath: string, format: 'qed' | 'raw' = 'qed'): Uint8Array | null {
  try {
    const result = qemuImg(['convert', '-f', format, '-O', 'raw', path, scratchPath], [0, 1]);
    return result.status === 0 ? new Uint8Array(readFileSync(scratchPath)) : null;
  } finally {
    rmSync(scratchPath, { force: true });
  }
}

/** `qemu-img compare` of a QED image against a raw file: 0 identical, 1 different, 2 error. */
export function qemuCompareWithRaw(imagePath: string, rawPath: string): number {
  return qemuImg(['compare', '-f', 'qed', '-F', 'raw', imagePath, rawPath], [0, 1, 2]).status;
}

/**
 * The guest bytes `[offset, offset + length)` as one `qemu-io -r` read request returns them
 * (parsed from `read -v`), or null when QEMU fails the read (e.g. EINVAL on a bad entry).
 */
export function qemuReadRange(path: string, offset: number, length: number): Uint8Array | null {
  const result = qemuIo(path, [`read -v ${offset} ${length}`], { readOnly: true, allowed: [0, 1] });
  if (result.status !== 0) return null;
  const bytes = new Uint8Array(length);
  const lines = result.stdout.split('\n');
  for (let done = 0, line = 0; done < length; line++) {
    const text = lines[line];
    if (text === undefined) throw new Error(`qemu-io read -v printed too few lines:\n${result.stdout}`);
    const at = Number.parseInt(text.slice(0, 8), 16);
    if (at !== offset + done || text[8] !== ':') throw new Error(`unexpected qemu-io dump line: ${text}`);
    const count = Math.min(16, length - done);
    for (let i = 0; i < count; i++) bytes[done + i] = Number.parseInt(text.slice(11 + 3 * i, 13 + 3 * i), 16);
    done += count;
  }
  return bytes;
}
