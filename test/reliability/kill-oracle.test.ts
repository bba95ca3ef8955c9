/**
 * The oracle of the browser kill tests (`test/browser/reliability-harness/oracle.ts`), run here
 * on disks the engine really leaves behind when its page dies: every file write made so far
 * landed (a killed process, not a crashed OS), table updates that wait for a group commit did not.
 * An overlay's group commit lets a later unanswered write land before an earlier one, so its disk
 * need not hold a prefix of the stream; a plain disk always does. Every op heard complete (before
 * the last commit) must be there in both.
 */
import { describe, expect, it } from 'vitest';
import { MemoryFile } from '../../src/backends/memory-file.ts';
import { QedImage } from '../../src/engine/qed-image.ts';
import { type StreamKnowledge, judgeRecovered } from '../browser/reliability-harness/oracle.ts';
import { STREAM_DISK, applyStreamOp, opBytes, streamOp } from '../browser/reliability-harness/stream.ts';
import { memoryResolver } from '../support/images.ts';

/** Group commit limit of the disk worker (worker/open-disk-file.ts). */
const WORKER_GROUP_COMMIT_LIMIT = 64;

/** The base of the overlay case: a nonzero pattern, as in the browser spec. */
function basePattern(): Uint8Array {
  const bytes = new Uint8Array(STREAM_DISK.size);
  for (let i = 0; i < bytes.length; i++) bytes[i] = ((i * 7 + (i >>> 12)) & 0xff) | 1;
  return bytes;
}

/** Every guest byte of the QED file `bytes` (over `base`, if any), as a fresh open reads them. */
function reopenedContent(bytes: Uint8Array, base: MemoryFile | null): Uint8Array {
  const image = QedImage.open(new MemoryFile(bytes), { readOnly: true, resolveBacking: base ? memoryResolver({ 'base.qed': base }) : undefined });
  try {
    return image.read(0, image.size);
  } finally {
    image.close();
  }
}

/** A killed page's disk: the file as it stood after op `killedAfter`, and what its page had heard by then. */
interface KilledDisk {
  content: Uint8Array;
  known: StreamKnowledge;
}

/**
 * Runs stream `seed` as the disk worker does for a burst (every op at once, the commit after the
 * batch), and returns the disk as a kill after each op would leave it (up to `ops` ops). Ops are
 * heard complete only when no table update waits after them (the worker answers at the commit).
 */
function killedDisks(seed: number, ops: number, overlay: boolean): KilledDisk[] {
  const baseFile = overlay ? new MemoryFile() : null;
  if (baseFile) {
    const base = QedImage.create(baseFile, { ...STREAM_DISK });
    base.write(0, basePattern());
    base.close();
  }
  const file = new MemoryFile();
  const image = QedImage.create(file, {
    ...STREAM_DISK,
    ...(baseFile ? { backing: { name: 'base.qed', format: 'qed' as const }, resolveBacking: memoryResolver({ 'base.qed': baseFile }) } : {}),
    groupCommitLimit: WORKER_GROUP_COMMIT_LIMIT,
  });
  const disks: KilledDisk[] = [];
  let settled = 0;
  let flushed = 0;
  for (let index = 0; index < ops; index++) {
    const op = streamOp(seed, index);
    if (op.kind === 'flush') image.flush();
    else if (op.kind === 'zero') image.writeZeroes(op.offset, op.length);
    else image.write(op.offset, opBytes(op) ?? new Uint8Array(0));
    if (image.pendingAllocations === 0) settled = index + 1;
    if (op.kind === 'flush') flushed = index + 1;
    disks.push({ content: reopenedContent(file.snapshot(), baseFile), known: { seed, first: 0, settled, flushed, limit: ops } });
  }
  image.close();
  return disks;
}

describe('the kill oracle on disks the engine leaves behind', () => {
  it('an overlay killed before a group commit may hold a later write without an earlier one: not a prefix, but every answered op', () => {
    const initial = basePattern();
    const disks = killedDisks(32, 120, true);
    const outOfOrder = disks.filter((disk) => judgeRecovered(initial, disk.content, disk.known, 'in-order').prefix < 0);
    expect(outOfOrder.length, 'kill points whose disk holds no prefix of the stream').toBeGreaterThan(0);
    for (const disk of disks) expect(judgeRecovered(initial, disk.content, disk.known, 'any-unanswered').problems).toEqual([]);
    const inOrder = judgeRecovered(initial, outOfOrder[0]!.content, outOfOrder[0]!.known, 'in-order');
    expect(inOrder.problems).toEqual([`no prefix of ops ${outOfOrder[0]!.known.settled}..120 of stream 32 matches the disk`]);
  });

  it('a plain disk (no group commit) holds a prefix at every kill point', () => {
    const initial = new Uint8Array(STREAM_DISK.size);
    for (const disk of killedDisks(11, 120, false)) {
      const verdict = judgeRecovered(initial, disk.content, disk.known, 'in-order');
      expect(verdict.problems).toEqual([]);
      expect(verdict.prefix).toBeGreaterThanOrEqual(disk.known.settled);
    }
  });

  it('fails a disk that lost an op heard complete, in either order', () => {
    const initial = new Uint8Array(STREAM_DISK.size);
    const index = [...Array(40).keys()].find((i) => streamOp(5, i).kind === 'write') ?? -1;
    expect(index).toBeGreaterThanOrEqual(0);
    const content = initial.slice();
    for (let i = 0; i < 40; i++) if (i !== index) applyStreamOp(content, streamOp(5, i));
    const known: StreamKnowledge = { seed: 5, first: 0, settled: 40, flushed: 0, limit: 40 };
    const relaxed = judgeRecovered(initial, content, known, 'any-unanswered');
    expect(relaxed.problems.some((problem) => problem.startsWith('an op heard complete did not land: byte '))).toBe(true);
    expect(judgeRecovered(initial, content, known, 'in-order').problems.length).toBeGreaterThanOrEqual(2);
  });
});
