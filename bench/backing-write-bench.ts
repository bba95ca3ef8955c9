/**
 * Allocating writes over a backing file (issue 17, item 5). Each 64 KiB write lands in a cluster
 * the overlay does not hold yet, so before its table entry may reach the disk its data must be
 * durable. QEMU flushes (fdatasync) before every such table update; qedisk's worker runs the
 * writes that arrive together and then one group commit for them. Both sides run on the same
 * overlay of the same raw base, in-process, timing the requests only.
 */
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { NodeFile } from '../src/backends/node-file.ts';
import { QedImage } from '../src/engine/qed-image.ts';
import { nodeBackingResolver } from '../src/node.ts';
import { type BenchLine, run, sideBySide, timeSeconds } from './measure.ts';

const KIB = 1024;
const REQUEST_BYTES = 64 * KIB;
/** Writes per group commit: what the stack's "16 in flight" lines hand the worker at once. */
const WRITES_PER_COMMIT = 16;

/** Writes `count` sequential 64 KiB requests into a copy of `template`, committing every `perCommit` writes; returns writes/s. */
function qediskWrites(template: string, target: string, count: number, perCommit: number): number {
  copyFileSync(template, target);
  const image = QedImage.open(NodeFile.open(target, 'readwrite'), { resolveBacking: nodeBackingResolver(target), groupCommitLimit: Math.max(perCommit, 1) });
  const buffer = new Uint8Array(REQUEST_BYTES).fill(0x5a);
  const seconds = timeSeconds(() => {
    for (let i = 0; i < count; i++) {
      image.write(i * REQUEST_BYTES, buffer);
      if ((i + 1) % perCommit === 0) image.commitPending();
    }
    image.commitPending();
  });
  image.close();
  return count / seconds;
}

/**
 * Lines: qedisk's group commit against `qemu-img bench` (its default queue of 64 requests) on
 * the same overlay, and, for information, against qedisk committing each write on its own.
 */
export function backingWriteLines(work: string, imageSize: number, repeats: number): BenchLine[] {
  const base = join(work, 'backing-base.raw');
  const template = join(work, 'backing-overlay.qed');
  const target = join(work, 'backing-target.qed');
  const count = Math.min(2048, imageSize / REQUEST_BYTES);
  run('qemu-img', ['create', '-q', '-f', 'raw', base, String(imageSize)]);
  run('qemu-img', ['create', '-q', '-f', 'qed', '-b', 'backing-base.raw', '-F', 'raw', template, String(imageSize)]);
  const qemu = (): number => {
    copyFileSync(template, target);
    const output = run('qemu-img', ['bench', '-f', 'qed', '-t', 'writeback', '-w', '-c', String(count), '-s', String(REQUEST_BYTES), '-S', String(REQUEST_BYTES), target]);
    const seconds = Number(/Run completed in ([\d.]+) seconds/.exec(output)?.[1]);
    if (!Number.isFinite(seconds)) throw new Error(`cannot parse qemu-img bench output: ${output}`);
    return count / seconds;
  };
  const grouped = (): number => qediskWrites(template, target, count, WRITES_PER_COMMIT);
  const single = (): number => qediskWrites(template, target, count, 1);
  const versusQemu = sideBySide(repeats, grouped, qemu);
  const versusSingle = sideBySide(repeats, grouped, single);
  rmSync(target, { force: true });
  const name = `64 KiB allocating writes over a backing file, ${WRITES_PER_COMMIT} per commit`;
  return [
    { name, unit: 'IOPS', qedisk: versusQemu.qedisk, baseline: versusQemu.baseline, baselineName: 'qemu-img bench', ratio: versusQemu.qedisk / versusQemu.baseline, goal: 1 },
    { name: `${name} (vs a commit per write)`, unit: 'IOPS', qedisk: versusSingle.qedisk, baseline: versusSingle.baseline, baselineName: 'qedisk, a flush per write (QEMU order)', ratio: versusSingle.qedisk / versusSingle.baseline, goal: 0 },
  ];
}
