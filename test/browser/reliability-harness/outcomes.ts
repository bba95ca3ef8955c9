/**
 * Node side: judging the outcomes of `runWithReadBack` against a model of the guest bytes. A
 * successful op must read back exactly; a failed one must fail with an allowed error and leave
 * each byte of its range old or new (QED gives no atomicity across clusters, but never garbage).
 */
import type { OpOutcome } from './streams.ts';
import { applyStreamOp, opBytes, streamOp } from './stream.ts';

/** What a run of outcomes showed. */
export interface OutcomeTally {
  /** What is wrong, one line each; empty when the run passes. */
  problems: string[];
  /** Ops that succeeded. */
  succeeded: number;
  /** Ops that failed with an allowed error. */
  failed: number;
  /** Failed ops that left part (not all, not none) of their new bytes. */
  partlyApplied: number;
  /** Ops that succeeded after an earlier op of the run had failed. */
  succeededAfterFailure: number;
}

/**
 * Checks `outcomes` of stream `seed` op by op against `model` (the guest bytes before the run),
 * which it updates in place to what the disk now holds. `allowedErrors` lists the error names
 * an op may fail with.
 */
export function judgeOutcomes(model: Uint8Array, seed: number, outcomes: readonly OpOutcome[], allowedErrors: readonly string[]): OutcomeTally {
  const tally: OutcomeTally = { problems: [], succeeded: 0, failed: 0, partlyApplied: 0, succeededAfterFailure: 0 };
  for (const outcome of outcomes) {
    const op = streamOp(seed, outcome.index, model.byteLength);
    const label = `op ${outcome.index} (${op.kind}${op.kind === 'flush' ? '' : ` of ${op.length} bytes at ${op.offset}`})`;
    if (outcome.error !== null && !allowedErrors.includes(outcome.error)) tally.problems.push(`${label} failed with ${outcome.error}`);
    if (outcome.error === null) {
      if (tally.failed > 0) tally.succeededAfterFailure++;
      tally.succeeded++;
    } else {
      tally.failed++;
    }
    if (op.kind === 'flush') continue;
    if (outcome.readBack === null) {
      tally.problems.push(`${label} was not read back`);
      continue;
    }
    const got = new Uint8Array(Buffer.from(outcome.readBack, 'base64'));
    const wanted = opBytes(op) ?? new Uint8Array(0);
    if (got.byteLength !== op.length) {
      tally.problems.push(`${label} read back ${got.byteLength} bytes`);
      continue;
    }
    if (outcome.error === null) {
      if (Buffer.compare(got, wanted) !== 0) tally.problems.push(`${label} succeeded but does not read back`);
      applyStreamOp(model, op);
      continue;
    }
    const old = model.subarray(op.offset, op.offset + op.length);
    let newBytes = 0;
    let changed = 0;
    for (let i = 0; i < got.byteLength; i++) {
      if (got[i] !== old[i] && got[i] !== wanted[i]) {
        tally.problems.push(`${label} failed and left byte ${op.offset + i} reading ${got[i]}: neither old (${old[i]}) nor new (${wanted[i]})`);
        break;
      }
      if (old[i] !== wanted[i]) {
        changed++;
        if (got[i] === wanted[i]) newBytes++;
      }
    }
    if (newBytes > 0 && newBytes < changed) tally.partlyApplied++;
    model.set(got, op.offset);
  }
  return tally;
}
