/**
 * Node side: judging a disk read back after its page was killed in the middle of a stream, as
 * the crash sweeps do, plus `qemu-img check` of the file the page left behind.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { type StreamOp, applyStreamOp, opBytes, streamOp } from './stream.ts';

/** What the Node side knows about a killed stream. Op indexes are stream indexes. */
export interface StreamKnowledge {
  /** The stream's seed. */
  seed: number;
  /** Index of the first op sent. */
  first: number;
  /** Index past the last op heard to complete: all before it landed. */
  settled: number;
  /** Index past the last flush heard to complete: all before it is durable. */
  flushed: number;
  /** Index past the last op that may have been sent. */
  limit: number;
}

/**
 * What a killed page's disk must show of the ops sent after the last one heard complete.
 * `in-order`: a prefix of them (a plain disk writes each request before it starts the next).
 * `any-unanswered`: any of them, each byte old or new (an overlay's group commits: unanswered
 * writes may land in any order, as on a disk with a write cache, and the commit that answers
 * them makes them durable). In both, every op heard complete landed.
 */
export type LandingOrder = 'in-order' | 'any-unanswered';

/** The verdict on a recovered disk; `problems` is empty when it passes. */
export interface Verdict {
  /** What is wrong, one line each. */
  problems: string[];
  /**
   * The stream prefix the disk holds: ops before it landed, op `prefix` may be partly there
   * (each of its bytes old or new), none after it. -1 when no prefix fits (a problem only for
   * `in-order`).
   */
  prefix: number;
  /** Guest bytes compared. */
  bytesVerified: number;
}

/** Bytes compared per step before looking at single bytes. */
const CHUNK_BYTES = 4096;

/**
 * Judges `actual` (every guest byte after reopening) against stream `known` run on a disk that
 * held `initial`. Three checks: (1) the crash-sweep rule: every byte reads as its value at the
 * last completed flush, or as a value some op sent since wrote there; (2) what a killed page (not
 * a crashed OS) must meet: every op heard complete landed, so every byte reads as its value after
 * them or as a value a later op wrote; (3) for `in-order`, the disk holds a prefix of the stream
 * no shorter than what was heard to complete, with at most the op after it partly applied.
 */
export function judgeRecovered(initial: Uint8Array, actual: Uint8Array, known: StreamKnowledge, order: LandingOrder = 'in-order'): Verdict {
  const problems: string[] = [];
  if (actual.byteLength !== initial.byteLength) problems.push(`the disk reads ${actual.byteLength} bytes, expected ${initial.byteLength}`);
  const stable = initial.slice();
  for (let index = known.first; index < known.flushed; index++) applyStreamOp(stable, streamOp(known.seed, index, initial.byteLength));
  const weak = firstUnexplainedByte(actual, stable, indexOps(known, known.flushed, initial.byteLength), 'the last completed flush');
  if (weak !== null) problems.push(weak);
  const answered = stable.slice();
  for (let index = known.flushed; index < known.settled; index++) applyStreamOp(answered, streamOp(known.seed, index, initial.byteLength));
  const lost = firstUnexplainedByte(actual, answered, indexOps(known, known.settled, initial.byteLength), 'the last op heard complete');
  if (lost !== null) problems.push(`an op heard complete did not land: ${lost}`);
  const prefix = findPrefix(stable, actual, known);
  if (prefix < 0 && order === 'in-order') problems.push(`no prefix of ops ${known.settled}..${known.limit} of stream ${known.seed} matches the disk`);
  return { problems, prefix, bytesVerified: actual.byteLength };
}

/** The data ops from index `from` up to `known.limit`, listed per 4 KiB chunk they touch. */
function indexOps(known: StreamKnowledge, from: number, diskSize: number): Map<number, StreamOp[]> {
  const byChunk = new Map<number, StreamOp[]>();
  for (let index = from; index < known.limit; index++) {
    const op = streamOp(known.seed, index, diskSize);
    if (op.kind === 'flush') continue;
    for (let chunk = Math.floor(op.offset / CHUNK_BYTES); chunk * CHUNK_BYTES < op.offset + op.length; chunk++) {
      const list = byChunk.get(chunk) ?? [];
      list.push(op);
      byChunk.set(chunk, list);
    }
  }
  return byChunk;
}

/** A description of the first byte that is neither its value in `stable` (at `when`) nor written by an op of `since`, or null. */
function firstUnexplainedByte(actual: Uint8Array, stable: Uint8Array, since: Map<number, StreamOp[]>, when: string): string | null {
  const bytesOf = new Map<StreamOp, Uint8Array>();
  for (let start = 0; start < actual.byteLength; start += CHUNK_BYTES) {
    const end = Math.min(actual.byteLength, start + CHUNK_BYTES);
    if (Buffer.compare(actual.subarray(start, end), stable.subarray(start, end)) === 0) continue;
    const ops = since.get(start / CHUNK_BYTES) ?? [];
    for (let i = start; i < end; i++) {
      if (actual[i] === stable[i]) continue;
      const explained = ops.some((op) => {
        if (op.kind === 'flush' || i < op.offset || i >= op.offset + op.length) return false;
        let bytes = bytesOf.get(op);
        if (!bytes) bytesOf.set(op, (bytes = opBytes(op) ?? new Uint8Array(0)));
        return bytes[i - op.offset] === actual[i];
      });
      if (!explained) return `byte ${i} reads ${actual[i]}: neither its value at ${when} (${stable[i]}) nor written since`;
    }
  }
  return null;
}

/** The smallest prefix from `known.settled` up to `known.limit` that `actual` holds (see `Verdict.prefix`), or -1. */
function findPrefix(stable: Uint8Array, actual: Uint8Array, known: StreamKnowledge): number {
  const model = stable.slice();
  let index = known.flushed;
  for (; index < known.settled; index++) applyStreamOp(model, streamOp(known.seed, index, model.byteLength));
  for (; index <= known.limit; index++) {
    if (Buffer.compare(model, actual) === 0) return index;
    const op = streamOp(known.seed, index, model.byteLength);
    if (op.kind !== 'flush' && holdsPartly(model, actual, op)) return index;
    applyStreamOp(model, op);
  }
  return -1;
}

/** True when `actual` equals `model` outside `op`'s range and each byte inside is `model`'s or `op`'s. */
function holdsPartly(model: Uint8Array, actual: Uint8Array, op: Exclude<StreamOp, { kind: 'flush' }>): boolean {
  const end = op.offset + op.length;
  if (Buffer.compare(model.subarray(0, op.offset), actual.subarray(0, op.offset)) !== 0) return false;
  if (Buffer.compare(model.subarray(end), actual.subarray(end)) !== 0) return false;
  const bytes = opBytes(op) ?? new Uint8Array(0);
  for (let i = op.offset; i < end; i++) if (actual[i] !== model[i] && actual[i] !== bytes[i - op.offset]) return false;
  return true;
}

/**
 * `qemu-img check` of a QED file: its exit status (0 clean, 2 corruption, 3 leaked clusters
 * only) and output. An overlay gets its base's file beside it, under the name its header stores.
 */
export function qemuCheck(file: Uint8Array, backing?: { name: string; bytes: Uint8Array }): { status: number; output: string } {
  const directory = mkdtempSync(join(tmpdir(), 'qedisk-reliability-'));
  const path = join(directory, 'disk.qed');
  try {
    writeFileSync(path, file);
    if (backing) writeFileSync(join(directory, basename(backing.name)), backing.bytes);
    try {
      return { status: 0, output: execFileSync('qemu-img', ['check', '-f', 'qed', path], { encoding: 'utf8', stdio: 'pipe' }) };
    } catch (error) {
      const status: unknown = Reflect.get(Object(error), 'status');
      const stdout: unknown = Reflect.get(Object(error), 'stdout');
      return { status: typeof status === 'number' ? status : -1, output: String(stdout) };
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
